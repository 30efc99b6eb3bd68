import ContinuumState

extension Controller {
    /// The newest `limit` applies the state records, newest first: `GET /api/v1/history`.
    /// - Throws: `StateError` when the state cannot be read.
    public func history(limit: Int) async throws(StateError) -> [ApplyRecord] {
        try await store.history(limit: limit)
    }
}
