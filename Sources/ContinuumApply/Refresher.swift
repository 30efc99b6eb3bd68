public import ContinuumSpec
public import ContinuumState
import ContinuumProvider

/// Reads the live state of every recorded resource before planning, so that drift (a
/// field changed behind Continuum's back) plans as an update and an object deleted out of
/// band plans as a create. Objects that are gone are removed from the state.
public struct Refresher: Sendable {
    /// What a refresh found.
    public struct Result: Sendable {
        /// The state to plan against: live specs and outputs, gone objects removed.
        public var snapshot: StateSnapshot
        /// Resources whose live spec differs from the recorded one.
        public var drifted: [ResourceID]
        /// Resources whose object is gone.
        public var missing: [ResourceID]
    }

    /// The state store.
    public let store: any StateStore
    /// The providers.
    public let registry: ProviderRegistry
    /// At most this many reads at once.
    public let parallelism: Int

    /// Creates a refresher.
    public init(store: any StateStore, registry: ProviderRegistry, parallelism: Int = 10) {
        self.store = store
        self.registry = registry
        self.parallelism = max(1, parallelism)
    }

    /// Refreshes every recorded resource. With `persist`, gone objects are removed from the
    /// store (apply); without, only from the returned snapshot (plan changes nothing).
    /// - Throws: `ApplyError` when a read fails: planning on a half-known world is refused.
    public func refresh(persist: Bool = true) async throws(ApplyError) -> Result {
        let snapshot: StateSnapshot
        do { snapshot = try await store.snapshot() } catch { throw .state(error) }
        let registry = self.registry
        let observations: [(RecordedResource, ObservedObject?)]
        do {
            observations = try await withThrowingTaskGroup(of: (RecordedResource, ObservedObject?).self) { group in
                var results: [(RecordedResource, ObservedObject?)] = []
                var pending = snapshot.resources.filter { $0.providerID != nil }[...]
                func add() {
                    guard let record = pending.popFirst(), let providerID = record.providerID else { return }
                    group.addTask { (record, try await registry.provider(record.provider).read(record.id.kind, providerID: providerID)) }
                }
                for _ in 0..<parallelism { add() }
                while let result = try await group.next() {
                    results.append(result)
                    add()
                }
                return results
            }
        } catch {
            throw ApplyError(.state, "cannot refresh: \(error); nothing was planned or applied (run with --refresh=false to plan against the recorded state)")
        }
        var refreshed = snapshot.resources
        var drifted: [ResourceID] = []
        var missing: [ResourceID] = []
        let index = Dictionary(uniqueKeysWithValues: refreshed.enumerated().map { ($1.id, $0) })
        for (record, observed) in observations {
            guard let position = index[record.id] else { continue }
            guard let observed else {
                missing.append(record.id)
                continue
            }
            // A provider leaves out the top-level fields it cannot observe (a bare-metal
            // node's image once its media is ejected): those keep their recorded value.
            let spec = observed.spec.completed(from: record.spec)
            if spec != record.spec { drifted.append(record.id) }
            refreshed[position].spec = spec
            refreshed[position].outputs = observed.outputs
        }
        var serial = snapshot.serial
        if !missing.isEmpty {
            if persist {
                do { serial = try await store.commit(upserts: [], removals: missing) } catch { throw .state(error) }
            }
            refreshed.removeAll { missing.contains($0.id) }
        }
        return Result(
            snapshot: StateSnapshot(serial: serial, lineage: snapshot.lineage, resources: refreshed, providers: snapshot.providers),
            drifted: drifted.sorted(), missing: missing.sorted())
    }
}
