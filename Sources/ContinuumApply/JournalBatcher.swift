import ContinuumState

/// Group commit for the intent journal. Operations running at the same time hand their
/// intents and completions here; while one transaction commits, the writes that arrive
/// queue up, and the next transaction writes all of them: one commit (one fsync) for many
/// operations, instead of two per operation. A write returns only once its transaction
/// committed, so an intent is still durable before its call. A fenced transaction fails
/// every write in it (the apply stops, as before); one that fails otherwise is tried again
/// write by write, so a write that cannot be written fails alone.
///
/// Writes are grouped by the lease scope they are made under (`LeaseScope.current`, a
/// shard's fence when sharded): one transaction never mixes two shards' fences.
actor JournalBatcher {
    private struct Queued {
        var write: JournalWrite
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// Writes one batch in one transaction, under the lease scope the batcher binds.
    typealias Commit = @Sendable ([JournalWrite]) async throws(StateError) -> Void

    private let commit: Commit
    private let grouping: Bool
    private let maximumBatch: Int
    private var queues: [ScopedFence?: [Queued]] = [:]
    private var flushing: Set<ScopedFence?> = []

    /// Creates a batcher writing to `store`; with `grouping` off, each write is its own
    /// transaction (the behaviour before group commit, kept for comparison).
    init(store: any StateStore, grouping: Bool = true, maximumBatch: Int = 512) {
        self.init(grouping: grouping, maximumBatch: maximumBatch) { writes throws(StateError) in try await store.writeJournal(writes) }
    }

    /// Creates a batcher that hands each batch to `commit`.
    init(grouping: Bool = true, maximumBatch: Int = 512, commit: @escaping Commit) {
        self.commit = commit
        self.grouping = grouping
        self.maximumBatch = max(1, maximumBatch)
    }

    /// How many writes wait for the next commit under `scope` (for tests).
    func queued(under scope: ScopedFence?) -> Int {
        queues[scope]?.count ?? 0
    }

    /// Writes `write` under the current task's lease scope; returns once it is committed.
    func write(_ write: JournalWrite) async throws(StateError) {
        let scope = LeaseScope.current
        guard grouping else {
            try await commit([write])
            return
        }
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                queues[scope, default: []].append(Queued(write: write, continuation: continuation))
                if flushing.insert(scope).inserted {
                    Task { await self.flush(scope) }
                }
            }
        } catch let error as StateError {
            throw error
        } catch {
            throw StateError(.io, location: "the intent journal", message: "cannot write the journal: \(error)", remedy: "check the state store")
        }
    }

    /// Writes the scope's queue in transactions of at most `maximumBatch` writes until it is
    /// empty. A batch that fails for another reason than fencing is tried again write by
    /// write (its transaction rolled back whole): one write that cannot be written (a record
    /// that does not encode) fails alone, not every operation that shared its transaction.
    private func flush(_ scope: ScopedFence?) async {
        while let queued = queues[scope], !queued.isEmpty {
            let batch = Array(queued.prefix(maximumBatch))
            queues[scope] = Array(queued.dropFirst(batch.count))
            let result = await commit(batch.map(\.write), under: scope)
            switch result {
            case .failure(let error) where batch.count > 1 && error.code != .fenced:
                for queued in batch { Self.resume(queued, with: await commit([queued.write], under: scope)) }
            default:
                for queued in batch { Self.resume(queued, with: result) }
            }
        }
        queues[scope] = nil
        flushing.remove(scope)
    }

    private func commit(_ writes: [JournalWrite], under scope: ScopedFence?) async -> Result<Void, StateError> {
        let commit = self.commit
        return await LeaseScope.$current.withValue(scope) {
            do throws(StateError) {
                try await commit(writes)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
    }

    private static func resume(_ queued: Queued, with result: Result<Void, StateError>) {
        switch result {
        case .success: queued.continuation.resume()
        case .failure(let error): queued.continuation.resume(throwing: error)
        }
    }
}
