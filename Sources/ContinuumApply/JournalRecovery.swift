public import ContinuumState
import ContinuumProvider
import ContinuumSpec
import Foundation

/// Resolves what an interrupted apply left behind, before anything is planned: each
/// intent still pending is settled by asking its provider (a create is adopted if the
/// object exists under the intent's idempotency key; a delete is recorded if the object
/// is gone), and old objects of interrupted create-before-destroy replaces are deleted.
/// So a `kill -9` at any moment leaves no orphan and no duplicate.
public struct JournalRecovery: Sendable {
    /// The state store.
    public let store: any StateStore
    /// The providers.
    public let registry: ProviderRegistry

    /// Creates a recovery.
    public init(store: any StateStore, registry: ProviderRegistry) {
        self.store = store
        self.registry = registry
    }

    /// Settles every pending intent and deposed object; reports each through `events`.
    /// - Throws: `ApplyError` when the state store fails or a provider cannot answer, so
    ///   that nothing is planned on a state whose last calls are not known.
    public func recover(events: @Sendable (ApplyEvent) -> Void = { _ in }) async throws(ApplyError) {
        do {
            for entry in try await store.pendingIntents() {
                let provider = try provider(entry.provider)
                var records = Dictionary(uniqueKeysWithValues: try await store.snapshot().resources.map { ($0.id, $0) })
                switch entry.operation {
                case .create:
                    guard let found = try await provider.lookup(entry.resource, idempotencyKey: entry.key) else {
                        _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [])
                        events(.recovered(entry.resource, .notApplied))
                        continue
                    }
                    let old = records[entry.resource]
                    var deposed = old?.deposed ?? []
                    if let old, let oldID = old.providerID, oldID != found.providerID { deposed.append(DeposedObject(provider: old.provider, providerID: oldID)) }
                    let adopted = RecordedResource(
                        id: entry.resource, provider: entry.provider, providerID: found.providerID, spec: entry.spec ?? found.spec, outputs: found.outputs,
                        dependencies: entry.dependencies, lifecycle: old?.lifecycle ?? Lifecycle(), deposed: deposed, labels: old?.labels ?? [:],
                        revision: found.revision)
                    _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [adopted], removals: [])
                    events(.recovered(entry.resource, .adopted))
                case .update:
                    _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [])
                    events(.recovered(entry.resource, .notApplied))
                case .delete:
                    guard let providerID = entry.providerID, try await provider.read(entry.resource.kind, providerID: providerID) == nil else {
                        _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [])
                        events(.recovered(entry.resource, .notApplied))
                        continue
                    }
                    if var record = records[entry.resource], record.deposed.contains(where: { $0.providerID == providerID }) {
                        record.deposed.removeAll { $0.providerID == providerID }
                        records[entry.resource] = record
                        _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [record], removals: [])
                    } else if records[entry.resource]?.providerID == providerID {
                        _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [entry.resource])
                    } else {
                        _ = try await store.completeIntent(key: entry.key, outcome: .recovered, upserts: [], removals: [])
                    }
                    events(.recovered(entry.resource, .deleted))
                }
            }
            try await deleteDeposed(events: events)
        } catch let error as ApplyError {
            throw error
        } catch let error as StateError {
            throw .state(error)
        } catch {
            throw ApplyError(.state, "cannot recover the last apply: \(error); the state is unchanged, run again when the provider answers")
        }
    }

    private func deleteDeposed(events: @Sendable (ApplyEvent) -> Void) async throws {
        for var record in try await store.snapshot().resources where !record.deposed.isEmpty {
            for target in record.deposed {
                let key = UUID().uuidString.lowercased()
                try await store.recordIntent(JournalEntry(key: key, resource: record.id, operation: .delete, provider: target.provider, providerID: target.providerID))
                try await provider(target.provider).delete(record.id.kind, providerID: target.providerID, idempotencyKey: key)
                record.deposed.removeAll { $0 == target }
                _ = try await store.completeIntent(key: key, outcome: .succeeded, upserts: [record], removals: [])
                events(.recovered(record.id, .deleted))
            }
        }
    }

    private func provider(_ name: String) throws -> any Provider {
        try registry.provider(name)
    }
}
