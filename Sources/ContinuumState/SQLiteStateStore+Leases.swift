import Foundation
import GRDB

/// Named leases (shards, replicas' membership): rows of the `leases` table, with the same
/// rules as the state lease (`NamedLease.taking`).
extension SQLiteStateStore {
    /// Takes or renews a named lease in one transaction.
    public func takeLease(_ name: String, holder: String, for duration: Duration, renewing fence: LeaseFence?) async throws(StateError) -> LeaseFence {
        let path = self.path
        return try await write("take the lease \(name)", fenced: false) { db in
            let lease = try NamedLease.taking(
                try Self.namedLease(name, in: db), name: name, holder: holder, for: duration, renewing: fence, now: Date().timeIntervalSince1970, location: path)
            try db.execute(
                sql: "INSERT OR REPLACE INTO leases (name, holder, acquired_at, expires_at, generation) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, holder, lease.lock?.acquiredAt.timeIntervalSince1970, lease.lock?.expiresAt.timeIntervalSince1970, lease.generation])
            return LeaseFence(holder: holder, generation: lease.generation)
        }
    }

    /// Releases a named lease if `holder` holds it; its generation stays.
    public func releaseLease(_ name: String, holder: String) async throws(StateError) {
        try await write("release the lease \(name)", fenced: false) { db in
            try db.execute(sql: "UPDATE leases SET holder = NULL, acquired_at = NULL, expires_at = NULL WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }

    /// Removes the released leases under `prefix` and those lapsed more than `lapsedFor` ago.
    public func removeLapsedLeases(prefix: String, lapsedFor: Duration) async throws(StateError) -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let cutoff = Date().timeIntervalSince1970 - lapsedFor.timeInterval
        return try await write("remove lapsed leases", fenced: false) { db in
            let condition = "substr(name, 1, length(?1)) = ?1 AND (holder IS NULL OR expires_at IS NULL OR expires_at < ?2)"
            let names = try String.fetchAll(db, sql: "SELECT name FROM leases WHERE \(condition) ORDER BY name", arguments: [prefix, cutoff])
            try db.execute(sql: "DELETE FROM leases WHERE \(condition)", arguments: [prefix, cutoff])
            return names
        }
    }

    /// The named leases, by name.
    public func leases() async throws(StateError) -> [NamedLease] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try await read("read the leases") { db in
            try Row.fetchAll(db, sql: "SELECT name, holder, acquired_at, expires_at, generation FROM leases ORDER BY name").map(Self.namedLease)
        }
    }

    static func namedLease(_ name: String, in db: Database) throws -> NamedLease? {
        try Row.fetchOne(db, sql: "SELECT name, holder, acquired_at, expires_at, generation FROM leases WHERE name = ?", arguments: [name]).map(namedLease)
    }

    private static func namedLease(_ row: Row) -> NamedLease {
        let generation: Int64 = row["generation"]
        var lock: StateLock?
        if let holder: String = row["holder"], let acquired: Double = row["acquired_at"], let expires: Double = row["expires_at"] {
            lock = StateLock(holder: holder, acquiredAt: Date(timeIntervalSince1970: acquired), expiresAt: Date(timeIntervalSince1970: expires), generation: generation)
        }
        return NamedLease(name: row["name"], lock: lock, generation: generation)
    }
}
