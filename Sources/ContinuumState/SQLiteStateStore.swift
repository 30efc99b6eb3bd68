import ContinuumSpec
import Foundation
import GRDB

/// The default state store: one SQLite file in WAL mode (GRDB). Each resource is a row;
/// specs, outputs and dependencies are JSON. A missing file reads as an empty state and
/// is created on the first commit.
public actor SQLiteStateStore: StateStore {
    /// The database file.
    public let path: String
    private var pool: DatabasePool?

    /// Creates a store for the file at `path`; nothing is opened until it is used.
    public init(path: String) {
        self.path = path
    }

    /// The recorded state; an empty state when the file does not exist (it is not created).
    public func snapshot() async throws(StateError) -> StateSnapshot {
        guard FileManager.default.fileExists(atPath: path) else { return .empty }
        let pool = try open()
        do {
            return try await pool.read { db in
                let meta = try Self.meta(db)
                let rows = try Row.fetchAll(db, sql: "SELECT record FROM resources ORDER BY id")
                let decoder = JSONDecoder()
                let resources = try rows.map { row -> RecordedResource in
                    let text: String = row["record"]
                    return try decoder.decode(RecordedResource.self, from: Data(text.utf8))
                }
                return StateSnapshot(serial: meta.serial, lineage: meta.lineage, resources: resources)
            }
        } catch {
            throw StateError(.io, location: path, message: "cannot read the state: \(error)", remedy: "check that the file is a Continuum state database and is not damaged")
        }
    }

    /// Writes the changes in one transaction and bumps the serial; creates the file on first use.
    public func commit(upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        let pool = try open()
        do {
            return try await pool.write { db in
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for resource in upserts {
                    let record = String(decoding: try encoder.encode(resource), as: UTF8.self)
                    try db.execute(
                        sql: "INSERT INTO resources (id, kind, name, provider, record) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET provider = excluded.provider, record = excluded.record",
                        arguments: [resource.id.description, resource.id.kind.rawValue, resource.id.name, resource.provider, record])
                }
                for id in removals { try db.execute(sql: "DELETE FROM resources WHERE id = ?", arguments: [id.description]) }
                try db.execute(sql: "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'serial'")
                return try Self.meta(db).serial
            }
        } catch {
            throw StateError(.io, location: path, message: "cannot write the state: \(error)", remedy: "check free disk space and permissions; the previous state is unchanged")
        }
    }

    private static func meta(_ db: Database) throws -> (serial: Int64, lineage: String?) {
        let serial = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'serial'").flatMap { Int64($0) } ?? 0
        let lineage = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'lineage'")
        return (serial, lineage)
    }

    private func open() throws(StateError) -> DatabasePool {
        if let pool { return pool }
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            self.pool = pool
            return pool
        } catch {
            throw StateError(.cannotOpen, location: path, message: "cannot open the state database: \(error)", remedy: "check the path given by --state or $CONTINUUM_STATE, and its permissions")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                CREATE TABLE resources (
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    record TEXT NOT NULL
                );
                """)
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('serial', '0'), ('lineage', ?)", arguments: [UUID().uuidString.lowercased()])
        }
        return migrator
    }
}
