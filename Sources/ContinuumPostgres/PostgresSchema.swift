import ContinuumState
import Logging
import PostgresNIO

/// The versioned schema of a PostgreSQL state: migrations applied at start, in one
/// transaction under an advisory lock (so replicas starting together migrate once), and a
/// refusal when the database was migrated by a newer Continuum.
enum PostgresSchema {
    /// The schema version this binary writes.
    static var version: Int32 { Int32(migrations.count) }

    /// The advisory lock key that serialises migrations (any constant: "continuum").
    static let advisoryLock: Int64 = 0x636f_6e74_696e_7575

    /// Each version's statements, in order: version N is `migrations[N - 1]`.
    static let migrations: [[PostgresQuery]] = [
        [
            """
            CREATE TABLE continuum_meta (
                id integer PRIMARY KEY CHECK (id = 1),
                serial bigint NOT NULL, lineage text NOT NULL, journal_position bigint NOT NULL, providers_version bigint NOT NULL)
            """,
            "INSERT INTO continuum_meta (id, serial, lineage, journal_position, providers_version) VALUES (1, 0, gen_random_uuid()::text, 0, 0)",
            "CREATE TABLE continuum_resources (id text PRIMARY KEY, kind text NOT NULL, name text NOT NULL, provider text NOT NULL, record text NOT NULL)",
            """
            CREATE TABLE continuum_lease (
                name text PRIMARY KEY, holder text, acquired_at double precision, expires_at double precision, host text, pid integer,
                generation bigint NOT NULL)
            """,
            "INSERT INTO continuum_lease (name, generation) VALUES ('state', 0)",
            "CREATE TABLE continuum_journal (key text PRIMARY KEY, outcome text NOT NULL, recorded_at double precision NOT NULL, entry text NOT NULL)",
            "CREATE INDEX continuum_journal_pending ON continuum_journal (outcome, recorded_at)",
            "CREATE TABLE continuum_providers (name text PRIMARY KEY, spec text NOT NULL)",
            "CREATE TABLE continuum_history (id bigserial PRIMARY KEY, started_at double precision NOT NULL, record text NOT NULL)",
            "CREATE TABLE continuum_events (id bigserial PRIMARY KEY, resource text NOT NULL, time double precision NOT NULL, event text NOT NULL)",
            "CREATE INDEX continuum_events_by_resource ON continuum_events (resource, id)",
        ],
        ["CREATE TABLE continuum_controls (key text PRIMARY KEY, value text NOT NULL)"],
    ]

    /// Brings the database to `version`, or refuses a newer one.
    /// - Returns: the version found before migrating.
    @discardableResult
    static func migrate(_ connection: PostgresConnection, location: PostgresLocation, logger: Logger) async throws -> Int32 {
        try await connection.run("BEGIN", logger: logger)
        do {
            try await connection.run("SELECT pg_advisory_xact_lock(\(advisoryLock))", logger: logger)
            try await connection.run(
                "CREATE TABLE IF NOT EXISTS continuum_schema (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)", logger: logger)
            var found: Int32 = 0
            for value in try await connection.run("SELECT version FROM continuum_schema WHERE id = 1", logger: logger).decode(Int32.self) {
                found = value
            }
            if found > version {
                throw StateError(.incompatible, location: location.description,
                    message: "the database schema is version \(found), newer than this Continuum's version \(version)",
                    remedy: "run a Continuum release that knows schema version \(found); an older one must not write to this database")
            }
            for index in Int(found)..<migrations.count {
                for statement in migrations[index] { try await connection.run(statement, logger: logger) }
            }
            try await connection.run(
                "INSERT INTO continuum_schema (id, version) VALUES (1, \(version)) ON CONFLICT (id) DO UPDATE SET version = excluded.version", logger: logger)
            try await connection.run("COMMIT", logger: logger)
            return found
        } catch {
            _ = try? await connection.run("ROLLBACK", logger: logger)
            throw error
        }
    }
}
