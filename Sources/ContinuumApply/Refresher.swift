public import ContinuumSpec
public import ContinuumState
import ContinuumProvider

/// Reads the live state of every recorded resource before planning, so that drift (a
/// field changed behind Continuum's back) plans as an update and an object deleted out of
/// band plans as a create. Objects that are gone are removed from the state.
///
/// A provider that lists revisions (`Provider.revisions()`) is asked once for all its
/// objects, and only the objects whose revision differs from the recorded one are read,
/// as a Kubernetes informer relists by `resourceVersion`; the others are read one by one.
public struct Refresher: Sendable {
    /// What a refresh found.
    public struct Result: Sendable {
        /// The state to plan against: live specs and outputs, gone objects removed.
        public var snapshot: StateSnapshot
        /// Resources whose live spec differs from the recorded one.
        public var drifted: [ResourceID]
        /// Resources whose object is gone.
        public var missing: [ResourceID]
        /// Resources whose live state could not be read, with why; they keep their records.
        public var unreadable: [ResourceID: String]
        /// How many objects were read one by one (the rest were known unchanged by revision).
        public var objectsRead: Int
        /// Whether `snapshot` is exactly what the store holds at `snapshot.serial`: nothing
        /// drifted, and every other finding (gone objects, new revisions or outputs) was
        /// persisted or there was none. A plan memoized against that serial still applies.
        public var matchesStore: Bool
    }

    /// The state store.
    public let store: any StateStore
    /// The providers.
    public let registry: ProviderRegistry
    /// At most this many reads at once.
    public let parallelism: Int
    /// How each read is tried.
    public let retry: RetryPolicy
    /// The shards held, when sharded: only their records are read and written here, each
    /// shard's writes fenced by its lease; other shards' records are planned as recorded.
    public let ownership: ShardOwnership?

    /// Creates a refresher whose reads follow `options`' parallelism and retry policy.
    public init(store: any StateStore, registry: ProviderRegistry, options: ApplyOptions = ApplyOptions()) {
        self.store = store
        self.registry = registry
        self.parallelism = max(1, options.parallelism)
        self.retry = RetryPolicy(options)
        self.ownership = options.ownership
    }

    /// Refreshes every recorded resource. With `persist`, gone objects are removed from the
    /// store, and new revisions and outputs of objects whose spec did not drift are
    /// recorded (apply); without, only the returned snapshot has them (plan changes nothing).
    /// - Throws: `ApplyError` when the state store fails; provider failures are in `unreadable`.
    public func refresh(persist: Bool = true) async throws(ApplyError) -> Result {
        let snapshot: StateSnapshot
        do { snapshot = try await store.snapshot() } catch { throw .state(error) }
        let ownership = self.ownership
        let records = ownership == nil ? snapshot.resources : snapshot.resources.filter { ownership.owns(provider: $0.provider) }
        let (observed, reads, failures) = await observe(records)
        var unreadable: [ResourceID: String] = [:]
        for (position, error) in failures { unreadable[records[position].id] = "its provider could not be read: \(error)" }
        var refreshed = snapshot
        var drifted: [ResourceID] = []
        var missing: [ResourceID] = []
        var reobserved: [RecordedResource] = []
        // A gone object whose replace left old objects to delete: the record stays, without
        // its object, so that recovery still deletes them; plans see the resource as gone,
        // as they see any record without an object.
        var keptForDeposed = records.filter { $0.providerID == nil }.map(\.id)
        for (position, observation) in observed.sorted(by: { $0.position < $1.position }) {
            let record = records[position]
            guard let observation else {
                if record.deposed.isEmpty {
                    missing.append(record.id)
                } else {
                    var kept = record
                    kept.providerID = nil
                    kept.revision = nil
                    reobserved.append(kept)
                    keptForDeposed.append(record.id)
                }
                continue
            }
            // A provider leaves out the top-level fields it cannot observe (a bare-metal
            // node's image once its media is ejected): those keep their recorded value.
            var live = record
            live.spec = observation.spec.completed(from: record.spec)
            live.outputs = observation.outputs
            live.revision = observation.revision
            refreshed.replace(live)
            if live.spec != record.spec {
                drifted.append(record.id)
            } else if live != record {
                reobserved.append(live)
            }
        }
        if persist, !missing.isEmpty || !reobserved.isEmpty {
            do { refreshed.serial = try await persistFindings(upserts: reobserved, removals: missing, of: records) } catch { throw .state(error) }
        }
        refreshed.remove(Set(missing + keptForDeposed))
        return Result(
            snapshot: refreshed,
            drifted: drifted.sorted(), missing: (missing + keptForDeposed).sorted(), unreadable: unreadable, objectsRead: reads,
            matchesStore: drifted.isEmpty && keptForDeposed.isEmpty && (persist || (missing.isEmpty && reobserved.isEmpty)))
    }

    /// Records what the refresh found; sharded, one commit per shard, fenced by its lease.
    private func persistFindings(upserts: [RecordedResource], removals: [ResourceID], of records: [RecordedResource]) async throws(StateError) -> Int64 {
        guard let ownership else { return try await store.commit(upserts: upserts, removals: removals) }
        let providers = Dictionary(records.map { ($0.id, $0.provider) }) { first, _ in first }
        let upsertsByProvider = Dictionary(grouping: upserts, by: \.provider)
        let removalsByProvider = Dictionary(grouping: removals) { providers[$0] ?? "" }
        var serial: Int64 = 0
        for provider in Set(upsertsByProvider.keys).union(removalsByProvider.keys).sorted() {
            let store = self.store
            let result: Swift.Result<Int64, StateError> = await LeaseScope.$current.withValue(ownership.fence(provider: provider)) {
                do throws(StateError) {
                    return .success(try await store.commit(upserts: upsertsByProvider[provider] ?? [], removals: removalsByProvider[provider] ?? []))
                } catch {
                    return .failure(error)
                }
            }
            serial = try result.get()
        }
        return serial
    }

    /// What each provider reports for the records (by position) that may have changed:
    /// an object, or nil when it is gone. Records a listing shows unchanged are left out.
    /// Also returns how many objects were read one by one, and the records (by position)
    /// whose provider could not be read, with the error.
    private func observe(_ records: [RecordedResource]) async -> (
        observations: [(position: Int, object: ObservedObject?)], reads: Int, failures: [(position: Int, error: ProviderError)]
    ) {
        let registry = self.registry
        let retry = self.retry
        // Records are read field by field, by position: 100,000 copies of whole records
        // (a retain per field each) were most of a no-change refresh.
        var names = Set<String>()
        for position in records.indices where records[position].providerID != nil { names.insert(records[position].provider) }
        let providers = names.sorted()
        let listings = await Self.concurrentMap(providers, parallelism: parallelism) { name -> (String, Swift.Result<[String: String]?, ProviderError>) in
            do throws(ProviderError) {
                let provider = try registry.provider(name)
                return (name, .success(try await retry.run(provider: name, timed: !provider.isLocal) { () throws(ProviderError) in try await provider.revisions() }))
            } catch {
                return (name, .failure(error))
            }
        }
        var revisions: [String: [String: String]] = [:]
        var brokenProviders: [String: ProviderError] = [:]
        for (name, listing) in listings {
            switch listing {
            case .success(let listing?): revisions[name] = listing
            case .success(nil): break
            case .failure(let error): brokenProviders[name] = error
            }
        }
        // The kinds each listing covers (a cluster wrapper's listing has its machines only).
        var listedKinds: [String: Set<ResourceKind>] = [:]
        for name in revisions.keys {
            guard let provider = try? registry.provider(name) else { continue }
            listedKinds[name] = Set(ResourceKind.allCases.filter { provider.listsRevisions(of: $0) })
        }
        var gone: [Int] = []
        var reads: [Int] = []
        var failures: [(position: Int, error: ProviderError)] = []
        for position in records.indices {
            guard let providerID = records[position].providerID else { continue }
            if let error = brokenProviders[records[position].provider] {
                failures.append((position, error))
                continue
            }
            guard let listing = revisions[records[position].provider], listedKinds[records[position].provider]?.contains(records[position].id.kind) ?? false else {
                reads.append(position)
                continue
            }
            guard let revision = listing[providerID] else {
                gone.append(position)
                continue
            }
            if revision != records[position].revision { reads.append(position) }
        }
        let results = await concurrentMap(reads) { position -> (Int, Swift.Result<ObservedObject?, ProviderError>) in
            let record = records[position]
            do throws(ProviderError) {
                let provider = try registry.provider(record.provider)
                let kind = record.id.kind, providerID = record.providerID ?? ""
                return (position, .success(try await retry.run(provider: record.provider, timed: !provider.isLocal) { () throws(ProviderError) in
                    try await provider.read(kind, providerID: providerID)
                }))
            } catch {
                return (position, .failure(error))
            }
        }
        var observations = gone.map { (position: $0, object: ObservedObject?.none) }
        for (position, result) in results {
            switch result {
            case .success(let object): observations.append((position, object))
            case .failure(let error): failures.append((position, error))
            }
        }
        return (observations, reads.count, failures)
    }

    /// `transform` applied to every item, at most `parallelism` at once; results in no
    /// particular order.
    private func concurrentMap<Item: Sendable, Value: Sendable>(_ items: [Item], _ transform: @escaping @Sendable (Item) async -> Value) async -> [Value] {
        await Self.concurrentMap(items, parallelism: parallelism, transform)
    }

    private static func concurrentMap<Item: Sendable, Value: Sendable>(
        _ items: [Item], parallelism: Int, _ transform: @escaping @Sendable (Item) async -> Value
    ) async -> [Value] {
        await withTaskGroup(of: Value.self) { group in
            var results: [Value] = []
            results.reserveCapacity(items.count)
            var pending = items[...]
            func add() {
                guard let item = pending.popFirst() else { return }
                group.addTask { await transform(item) }
            }
            for _ in 0..<parallelism { add() }
            while let result = await group.next() {
                results.append(result)
                add()
            }
            return results
        }
    }
}
