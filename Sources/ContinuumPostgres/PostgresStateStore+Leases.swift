public import ContinuumState
import Foundation
import Logging
import PostgresNIO

/// Named leases (shards, replicas' membership): more rows of `continuum_lease`, beside the
/// `state` row, with the same rules (`NamedLease.taking`) and the server's clock.
extension PostgresStateStore {
    /// Takes or renews a named lease in one transaction.
    public func takeLease(_ name: String, holder: String, for duration: Duration, renewing fence: LeaseFence?) async throws(StateError) -> LeaseFence {
        let place = location.description
        return try await write("take the lease \(name)", fenced: false) { connection, logger in
            var now = Date().timeIntervalSince1970
            for value in try await connection.run("SELECT extract(epoch FROM clock_timestamp())::float8", logger: logger).decode(Double.self) {
                now = value
            }
            let lease = try NamedLease.taking(
                try await Self.namedLease(name, connection, logger: logger), name: name, holder: holder, for: duration, renewing: fence, now: now,
                location: place)
            let acquired = lease.lock?.acquiredAt.timeIntervalSince1970, expires = lease.lock?.expiresAt.timeIntervalSince1970
            try await connection.run("""
                INSERT INTO continuum_lease (name, holder, acquired_at, expires_at, generation) VALUES (\(name), \(holder), \(acquired), \(expires), \(lease.generation))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at,
                generation = excluded.generation
                """, logger: logger)
            return LeaseFence(holder: holder, generation: lease.generation)
        }
    }

    /// Releases a named lease if `holder` holds it; its generation stays.
    public func releaseLease(_ name: String, holder: String) async throws(StateError) {
        _ = try await write("release the lease \(name)", fenced: false) { connection, logger in
            try await connection.run(
                "UPDATE continuum_lease SET holder = NULL, acquired_at = NULL, expires_at = NULL WHERE name = \(name) AND holder = \(holder)", logger: logger)
        }
    }

    /// Removes the released leases under `prefix` and those lapsed more than `lapsedFor` ago
    /// on the server's clock.
    public func removeLapsedLeases(prefix: String, lapsedFor: Duration) async throws(StateError) -> [String] {
        let seconds = lapsedFor.timeInterval
        return try await write("remove lapsed leases", fenced: false) { connection, logger in
            var names: [String] = []
            let rows = try await connection.run("""
                DELETE FROM continuum_lease WHERE name <> 'state' AND left(name, char_length(\(prefix))) = \(prefix)
                AND (holder IS NULL OR expires_at IS NULL OR expires_at < extract(epoch FROM clock_timestamp())::float8 - \(seconds))
                RETURNING name
                """, logger: logger)
            for name in try rows.decode(String.self) { names.append(name) }
            return names.sorted()
        }
    }

    /// The named leases, by name (the `state` lease is `currentLock`).
    public func leases() async throws(StateError) -> [NamedLease] {
        try await read("read the leases") { connection, logger in
            var leases: [NamedLease] = []
            let rows = try await connection.run(
                "SELECT name, holder, acquired_at, expires_at, generation FROM continuum_lease WHERE name <> 'state' ORDER BY name", logger: logger)
            for row in try rows.decode((String, String?, Double?, Double?, Int64).self) { leases.append(Self.namedLease(row)) }
            return leases
        }
    }

    /// The named lease `name`, nil when it was never taken.
    static func namedLease(_ name: String, _ connection: PostgresConnection, logger: Logger) async throws -> NamedLease? {
        let rows = try await connection.run(
            "SELECT name, holder, acquired_at, expires_at, generation FROM continuum_lease WHERE name = \(name)", logger: logger)
        for row in try rows.decode((String, String?, Double?, Double?, Int64).self) { return namedLease(row) }
        return nil
    }

    private static func namedLease(_ row: (String, String?, Double?, Double?, Int64)) -> NamedLease {
        let (name, holder, acquired, expires, generation) = row
        guard let holder, let acquired, let expires else { return NamedLease(name: name, lock: nil, generation: generation) }
        let lock = StateLock(holder: holder, acquiredAt: Date(timeIntervalSince1970: acquired), expiresAt: Date(timeIntervalSince1970: expires), generation: generation)
        return NamedLease(name: name, lock: lock, generation: generation)
    }
}
