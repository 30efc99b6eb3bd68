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

extension StateStore {
    /// Takes the named lease `name` for `holder` once the current holder's lapsed: waits on
    /// the store's own clock (its refusals) for the expiry, then takes it at once.
    /// - Returns: the new holder's fence.
    @discardableResult
    public func takeOver(_ name: String, holder: String, for duration: Duration = .seconds(60)) async throws -> LeaseFence {
        while true {
            let taken: Result<LeaseFence, StateError>
            do throws(StateError) {
                taken = .success(try await takeLease(name, holder: holder, for: duration, renewing: nil))
            } catch {
                taken = .failure(error)
            }
            if case .failure(let error) = taken, error.code == .locked {
                try await Task.sleep(for: .milliseconds(5))
                continue
            }
            return try taken.get()
        }
    }
}
