import ContinuumPlanner
import ContinuumProvider
import ContinuumSpec
import ContinuumState
import Foundation

/// Runs one operation: journals the intent, calls the provider with retries and a
/// timeout, and records the result with the intent's completion in one transaction.
struct OperationRunner: Sendable {
    let options: ApplyOptions
    let registry: ProviderRegistry
    let events: @Sendable (ApplyEvent) -> Void
    /// Stopped when the store fences a write (the lease was taken over): no new operation
    /// starts, as when a renewal finds the lease lost.
    var stop: StopSignal? = nil
    /// Writes the journal, several operations' writes to a transaction.
    let journalWriter: JournalBatcher

    func run(_ context: OperationContext, index: Int, record: RecordedResource?, outputs: [ResourceID: [String: FieldValue]], limiter: RateLimiter?) async -> OperationResult {
        do {
            switch context.step.operation {
            case .create: return try await create(context, index: index, old: record, outputs: outputs, limiter: limiter)
            case .update: return try await update(context, index: index, record: record, outputs: outputs, limiter: limiter)
            case .delete: return try await delete(context, index: index, record: record, limiter: limiter)
            }
        } catch {
            return OperationResult(index: index, outcome: .failed(error.description), record: nil, removed: false)
        }
    }

    private func create(_ context: OperationContext, index: Int, old: RecordedResource?, outputs: [ResourceID: [String: FieldValue]], limiter: RateLimiter?) async throws(OperationFailure) -> OperationResult {
        let id = context.step.resource
        let spec = try resolve(context, outputs: outputs)
        let provider = try provider(context.change.provider)
        let key = options.resumedCreateKeys[id] ?? UUID().uuidString.lowercased()
        try await journal(JournalEntry(key: key, resource: id, operation: .create, provider: context.change.provider, spec: spec, dependencies: context.change.dependencies))
        let request = ProviderRequest(id: id, spec: spec, idempotencyKey: key, dependencies: context.change.dependencies, labels: context.resource?.metadata.labels ?? [:])
        let observed: ObservedObject
        do {
            observed = try await attempt(context, limiter: limiter) { () throws(ProviderError) in try await provider.create(request) }
        } catch {
            // The last attempt may have taken effect although its reply was lost: adopt it if so.
            guard let found = try? await provider.lookup(id, idempotencyKey: key) else {
                try await complete(key, .failed)
                throw OperationFailure(error.description)
            }
            observed = found
        }
        var deposed: [DeposedObject] = old?.deposed ?? []
        if context.change.replaceOrder == .createBeforeDestroy, let old, let providerID = old.providerID {
            deposed.append(DeposedObject(provider: old.provider, providerID: providerID))
        }
        let record = RecordedResource(
            id: id, provider: context.change.provider, providerID: observed.providerID, spec: spec, outputs: observed.outputs,
            dependencies: context.change.dependencies, lifecycle: context.resource?.lifecycle ?? Lifecycle(), deposed: deposed,
            labels: context.resource?.metadata.labels ?? [:], revision: observed.revision)
        try await complete(key, .succeeded, upserts: [record])
        return OperationResult(index: index, outcome: .succeeded(providerID: observed.providerID), record: record, removed: false)
    }

    private func update(_ context: OperationContext, index: Int, record: RecordedResource?, outputs: [ResourceID: [String: FieldValue]], limiter: RateLimiter?) async throws(OperationFailure) -> OperationResult {
        let id = context.step.resource
        guard var record, let providerID = record.providerID else { throw OperationFailure("\(id) has no recorded object to update; run plan again") }
        let spec = try resolve(context, outputs: outputs)
        let provider = try provider(context.change.provider)
        let key = UUID().uuidString.lowercased()
        try await journal(JournalEntry(key: key, resource: id, operation: .update, provider: context.change.provider, providerID: providerID, spec: spec))
        let request = ProviderRequest(id: id, spec: spec, idempotencyKey: key, providerID: providerID, dependencies: context.change.dependencies, labels: context.resource?.metadata.labels ?? [:])
        let observed: ObservedObject
        do {
            observed = try await attempt(context, limiter: limiter) { () throws(ProviderError) in try await provider.update(request) }
        } catch {
            try await complete(key, .failed)
            throw OperationFailure(error.description)
        }
        record.spec = spec
        record.outputs = observed.outputs
        record.dependencies = context.change.dependencies
        record.lifecycle = context.resource?.lifecycle ?? record.lifecycle
        record.labels = context.resource?.metadata.labels ?? record.labels
        record.revision = observed.revision
        try await complete(key, .succeeded, upserts: [record])
        return OperationResult(index: index, outcome: .succeeded(providerID: providerID), record: record, removed: false)
    }

    private func delete(_ context: OperationContext, index: Int, record: RecordedResource?, limiter: RateLimiter?) async throws(OperationFailure) -> OperationResult {
        let id = context.step.resource
        guard var record else { return OperationResult(index: index, outcome: .succeeded(providerID: nil), record: nil, removed: true) }
        let targets: [DeposedObject] =
            context.deletesDeposed ? record.deposed : record.providerID.map { [DeposedObject(provider: record.provider, providerID: $0)] } ?? []
        for target in targets {
            let provider = try provider(target.provider)
            let key = UUID().uuidString.lowercased()
            try await journal(JournalEntry(key: key, resource: id, operation: .delete, provider: target.provider, providerID: target.providerID))
            do {
                try await attempt(context, limiter: limiter) { () throws(ProviderError) in
                    try await provider.delete(id.kind, providerID: target.providerID, idempotencyKey: key)
                }
            } catch {
                try await complete(key, .failed)
                throw OperationFailure(error.description)
            }
            if context.deletesDeposed {
                let change = record.forgetting(target)
                record.deposed.removeAll { $0 == target }
                try await complete(key, .succeeded, upserts: change.upserts, removals: change.removals)
            } else {
                try await complete(key, .succeeded, removals: [id])
            }
        }
        if context.deletesDeposed { return OperationResult(index: index, outcome: .succeeded(providerID: nil), record: record, removed: false) }
        return OperationResult(index: index, outcome: .succeeded(providerID: record.providerID), record: nil, removed: true)
    }

    // MARK: - Support

    /// The change's spec with every interpolation filled in from applied outputs.
    private func resolve(_ context: OperationContext, outputs: [ResourceID: [String: FieldValue]]) throws(OperationFailure) -> FieldValue {
        let spec = (context.change.spec ?? .map([])).resolvingInterpolations { id, field in outputs[id]?[field]?.outputText }
        if spec.flattened(at: "spec").contains(where: { $0.value == .unknown }) {
            throw OperationFailure("an output that \(context.step.resource) interpolates is not known; check that the resource it names was applied")
        }
        return spec
    }

    private func provider(_ name: String) throws(OperationFailure) -> any Provider {
        do { return try registry.provider(name) } catch { throw OperationFailure(error.description) }
    }

    private func journal(_ entry: JournalEntry) async throws(OperationFailure) {
        do { try await journalWriter.write(.intent(entry)) } catch { throw failure(error) }
    }

    private func complete(_ key: String, _ outcome: JournalEntry.Outcome, upserts: [RecordedResource] = [], removals: [ResourceID] = []) async throws(OperationFailure) {
        do {
            try await journalWriter.write(.completion(key: key, outcome: outcome, upserts: upserts, removals: removals))
        } catch {
            throw failure(error)
        }
    }

    /// A state write failed: when it was fenced, this applier lost its lease and stops.
    private func failure(_ error: StateError) -> OperationFailure {
        if error.code == .fenced { stop?.stop() }
        return OperationFailure(error.description)
    }

    /// Calls `body` with the apply's retry policy, reporting retries as events.
    private func attempt<T: Sendable>(_ context: OperationContext, limiter: RateLimiter?, _ body: @escaping @Sendable () async throws(ProviderError) -> T) async throws(ProviderError) -> T {
        try await RetryPolicy(options).run(provider: context.providerName, limiter: limiter, retrying: { attempt, error in
            events(.retrying(context.step.resource, context.step.operation, attempt: attempt, error: error.description))
        }, body)
    }
}

/// Why one operation failed, as its report and events show it.
struct OperationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
