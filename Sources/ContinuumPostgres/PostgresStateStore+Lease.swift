public import ContinuumState
import Foundation
import Logging
import PostgresNIO

/// The lease: one row per lease (`state`) with holder, expiry and a generation that moves on
/// every takeover. Expiry is read against the server's clock, so replicas on hosts whose
/// clocks differ agree on it.
extension PostgresStateStore {
    /// Takes or renews the lease in one transaction; a takeover moves its generation.
    public func lock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError) {
        try await take(holder: holder, for: duration, host: host, processID: processID, renewal: false)
    }

    /// Renews the lease this store took, unless another holder took it over since.
    public func renewLock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError) {
        try await take(holder: holder, for: duration, host: host, processID: processID, renewal: fence?.holder == holder)
    }

    private func take(holder: String, for duration: Duration, host: String?, processID: Int32?, renewal: Bool) async throws(StateError) {
        let place = location.description
        let fence = renewal ? self.fence : nil
        let seconds = duration.timeInterval
        self.fence = try await write("take the lock", fenced: false) { connection, logger in
            var now = Date().timeIntervalSince1970
            for value in try await connection.run("SELECT extract(epoch FROM clock_timestamp())::float8", logger: logger).decode(Double.self) {
                now = value
            }
            let lease = try await Self.lease(connection, logger: logger)
            if let fence, !fence.admits(holder: lease.held?.holder, generation: lease.generation) {
                throw StateError.fenced(fence, current: lease.held, location: place)
            }
            var since = now
            var generation = lease.generation
            switch LeaseFence.decide(holder: holder, held: lease.held, now: now) {
            case .refuse(let held): throw StateError.locked(by: held, location: place)
            case .renew: since = lease.held?.acquiredAt.timeIntervalSince1970 ?? now
            case .takeOver: generation += 1
            }
            try await connection.run("""
                UPDATE continuum_lease SET holder = \(holder), acquired_at = \(since), expires_at = \(now + seconds), host = \(host), pid = \(processID),
                generation = \(generation) WHERE name = 'state'
                """, logger: logger)
            return LeaseFence(holder: holder, generation: generation)
        }
    }

    /// The lease held now.
    public func currentLock() async throws(StateError) -> StateLock? {
        try await read("read the lock") { connection, logger in try await Self.lease(connection, logger: logger).held }
    }

    /// Releases the lease if `holder` holds it; its generation stays, so the next holder's is higher.
    public func unlock(holder: String) async throws(StateError) {
        try await write("release the lock", fenced: false) { connection, logger in
            _ = try await connection.run("""
                UPDATE continuum_lease SET holder = NULL, acquired_at = NULL, expires_at = NULL, host = NULL, pid = NULL
                WHERE name = 'state' AND holder = \(holder)
                """, logger: logger)
        }
        if fence?.holder == holder { fence = nil }
    }

    /// The lease row: who holds it (nil when released) and its generation.
    static func lease(_ connection: PostgresConnection, logger: Logger) async throws -> (held: StateLock?, generation: Int64) {
        let rows = try await connection.run(
            "SELECT holder, acquired_at, expires_at, host, pid, generation FROM continuum_lease WHERE name = 'state'", logger: logger)
        for (holder, acquired, expires, host, pid, generation) in try rows.decode((String?, Double?, Double?, String?, Int32?, Int64).self) {
            guard let holder, let acquired, let expires else { return (nil, generation) }
            let lock = StateLock(
                holder: holder, acquiredAt: Date(timeIntervalSince1970: acquired), expiresAt: Date(timeIntervalSince1970: expires), host: host, processID: pid,
                generation: generation)
            return (lock, generation)
        }
        return (nil, 0)
    }
}
