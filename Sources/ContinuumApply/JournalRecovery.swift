public import ContinuumSpec
public import ContinuumState
import ContinuumProvider
import Foundation

/// Resolves what an interrupted apply left behind, before anything is planned: each
/// intent still pending is settled by asking its provider (a create is adopted if the
/// object exists under the intent's idempotency key; a delete is recorded if the object
/// is gone), and old objects of interrupted create-before-destroy replaces are deleted.
/// So a `kill -9` at any moment leaves no orphan and no duplicate.
///
/// Provider calls follow the apply's retry policy. One that still fails leaves its intent
/// pending (or its old object recorded) and only that resource unsettled: the plan holds it
/// and what depends on it, and the next run tries again; the rest of the fleet goes on.
public struct JournalRecovery: Sendable {
    /// What a recovery settled, and what it could not.
    public struct Report: Sendable {
        /// Resources whose interrupted operation could not be settled, with why.
        public var unsettled: [ResourceID: String] = [:]
        /// How many intents and old objects were settled.
        public var settled = 0
        /// The idempotency keys of interrupted creates whose object was not found: the next
        /// create of each resource reuses its key (`ApplyOptions.resumedCreateKeys`), so the
        /// interrupted call, if it still lands (its holder was paused, not dead), and the new
        /// one make one object between them.
        public var interruptedCreates: [ResourceID: String] = [:]
    }

    /// The state store.
    public let store: any StateStore
    /// The providers.
    public let registry: ProviderRegistry
    /// How provider calls are tried.
    public let retry: RetryPolicy
    /// The shards held, when sharded: only their intents and old objects are settled here,
    /// fenced by their leases; other shards' are their holders' (perhaps in flight now).
    public let ownership: ShardOwnership?

    /// Creates a recovery whose provider calls follow `options`' retry policy.
    public init(store: any StateStore, registry: ProviderRegistry, options: ApplyOptions = ApplyOptions()) {
        self.store = store
        self.registry = registry
        self.retry = RetryPolicy(options)
        self.ownership = options.ownership
    }

    /// Settles every pending intent and deposed object it can; reports each through `events`.
    @discardableResult
    /// - Throws: `ApplyError` only when the state store fails; provider failures are in the report.
    public func recover(events: @Sendable (ApplyEvent) -> Void = { _ in }) async throws(ApplyError) -> Report {
        var report = Report()
        // A provider that failed once (after its retries) is not asked again in this
        // recovery: its other intents wait for the next run at once, instead of each
        // spending the whole retry policy on a provider that is down.
        var down: [String: ProviderError] = [:]
        do {
            for entry in try await store.pendingIntents() where ownership.owns(provider: entry.provider) {
                if let error = down[entry.provider] {
                    report.unsettled[entry.resource] = "its interrupted \(entry.operation.rawValue) could not be settled: \(error)"
                    continue
                }
                do {
                    if try await ownership.scoped(provider: entry.provider, { try await settle(entry, events: events) }) {
                        report.interruptedCreates[entry.resource] = entry.key
                    }
                    report.settled += 1
                } catch let error as ProviderError {
                    down[entry.provider] = error
                    report.unsettled[entry.resource] = "its interrupted \(entry.operation.rawValue) could not be settled: \(error)"
                }
            }
            for var record in try await store.snapshot().resources where !record.deposed.isEmpty {
                for target in record.deposed where ownership.owns(provider: target.provider) {
                    if let error = down[target.provider] {
                        report.unsettled[record.id] = "the old object \(target.providerID) of its replace could not be deleted: \(error)"
                        continue
                    }
                    do {
                        record = try await ownership.scoped(provider: target.provider) { [record] in
                            var copy = record
                            try await deleteDeposed(target, of: &copy, events: events)
                            return copy
                        }
                        report.settled += 1
                    } catch let error as ProviderError {
                        down[target.provider] = error
                        report.unsettled[record.id] = "the old object \(target.providerID) of its replace could not be deleted: \(error)"
                    }
                }
            }
        } catch let error as StateError {
            throw .state(error)
        } catch {
            throw ApplyError(.state, "cannot recover the last apply: \(error); the state is unchanged, run again")
        }
        return report
    }

    /// Settles one pending intent; true when it was a create whose object was not found.
    private func settle(_ entry: JournalEntry, events: @Sendable (ApplyEvent) -> Void) async throws -> Bool {
        let provider = try registry.provider(entry.provider)
        switch entry.operation {
        case .create:
            let found = try await call(entry.provider) { () throws(ProviderError) in try await provider.lookup(entry.resource, idempotencyKey: entry.key) }
            guard let found else {
                _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [])
                events(.recovered(entry.resource, .notApplied))
                return true
            }
            let old = try await store.snapshot()[entry.resource]
            var deposed = old?.deposed ?? []
            if let old, let oldID = old.providerID, oldID != found.providerID { deposed.append(DeposedObject(provider: old.provider, providerID: oldID)) }
            let adopted = RecordedResource(
                id: entry.resource, provider: entry.provider, providerID: found.providerID, spec: entry.spec ?? found.spec, outputs: found.outputs,
                dependencies: entry.dependencies, lifecycle: old?.lifecycle ?? Lifecycle(), deposed: deposed, labels: old?.labels ?? [:],
                revision: found.revision)
            _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [adopted], removals: [])
            events(.recovered(entry.resource, .adopted))
            return false
        case .update:
            _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [])
            events(.recovered(entry.resource, .notApplied))
            return false
        case .delete:
            guard let providerID = entry.providerID else {
                _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [])
                events(.recovered(entry.resource, .notApplied))
                return false
            }
            let live = try await call(entry.provider) { () throws(ProviderError) in try await provider.read(entry.resource.kind, providerID: providerID) }
            guard live == nil else {
                _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [])
                events(.recovered(entry.resource, .notApplied))
                return false
            }
            let record = try await store.snapshot()[entry.resource]
            if let record, let target = record.deposed.first(where: { $0.providerID == providerID }) {
                let change = record.forgetting(target)
                _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: change.upserts, removals: change.removals)
            } else if record?.providerID == providerID {
                _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [entry.resource])
            } else {
                _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [])
            }
            events(.recovered(entry.resource, .deleted))
            return false
        }
    }

    private func deleteDeposed(_ target: DeposedObject, of record: inout RecordedResource, events: @Sendable (ApplyEvent) -> Void) async throws {
        let provider = try registry.provider(target.provider)
        let key = UUID().uuidString.lowercased()
        let kind = record.id.kind
        try await store.recordIntent(JournalEntry(key: key, resource: record.id, operation: .delete, provider: target.provider, providerID: target.providerID))
        do {
            try await call(target.provider) { () throws(ProviderError) in try await provider.delete(kind, providerID: target.providerID, idempotencyKey: key) }
        } catch {
            _ = try await store.completeIntent(key: key, outcome: .failed, upserts: [], removals: [])
            throw error
        }
        let change = record.forgetting(target)
        record.deposed.removeAll { $0 == target }
        _ = try await store.completeIntent(key: key, outcome: .succeeded, upserts: change.upserts, removals: change.removals)
        events(.recovered(record.id, .deleted))
    }

    private func call<T: Sendable>(_ provider: String, _ body: @escaping @Sendable () async throws(ProviderError) -> T) async throws(ProviderError) -> T {
        try await retry.run(provider: provider, body)
    }
}
