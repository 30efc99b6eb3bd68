public import ContinuumState

extension StateStore {
    /// Takes the lease for `holder` once the current one lapsed: waits on the store's own
    /// clock (its refusals) for the expiry, then takes it at once.
    public func takeOver(holder: String) async throws {
        while true {
            do {
                try await lock(holder: holder, for: .seconds(60))
                return
            } catch where error.code == .locked {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }
}
