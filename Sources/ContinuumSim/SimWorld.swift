import ContinuumSpec
import Foundation
import GRDB

/// The simulated cloud's side of the world: every object of every sim provider, in its
/// own SQLite file (separate from the state store, as a real cloud's inventory would be).
public actor SimWorld {
    /// The file.
    public let path: String
    private var pool: DatabasePool?

    /// A world kept in the file at `path`, created on first use.
    public init(path: String) {
        self.path = path
    }

    /// Every object, sorted by provider, identity and id.
    public func objects() throws(SimWorldError) -> [SimObject] {
        try read { db in try Self.decode(Row.fetchAll(db, sql: "SELECT record, revision FROM objects ORDER BY provider, kind, name, id")) }
    }

    /// The revision of every object on `provider`, by object id, from one indexed query.
    public func revisions(provider: String) throws(SimWorldError) -> [String: Int64] {
        try read { db in
            var revisions: [String: Int64] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, revision FROM objects INDEXED BY objects_revisions WHERE provider = ?", arguments: [provider])
            while let row = try rows.next() { revisions[row[0]] = row[1] }
            return revisions
        }
    }

    /// The object with this id.
    public func object(id: String) throws(SimWorldError) -> SimObject? {
        try read { db in try Self.decode(Row.fetchAll(db, sql: "SELECT record, revision FROM objects WHERE id = ?", arguments: [id])).first }
    }

    /// The object a call with this key created for `resource`.
    public func object(for resource: ResourceID, idempotencyKey: String) throws(SimWorldError) -> SimObject? {
        try read { db in
            try Self.decode(Row.fetchAll(db, sql: "SELECT record, revision FROM objects WHERE kind = ? AND name = ? AND idempotency_key = ?",
                arguments: [resource.kind.rawValue, resource.name, idempotencyKey])).first
        }
    }

    /// The objects created for `resource` on any provider.
    public func objects(for resource: ResourceID) throws(SimWorldError) -> [SimObject] {
        try read { db in
            try Self.decode(Row.fetchAll(db, sql: "SELECT record, revision FROM objects WHERE kind = ? AND name = ? ORDER BY id",
                arguments: [resource.kind.rawValue, resource.name]))
        }
    }

    /// Stores a new object whose id is `prefix-` and a serial number, and returns it.
    /// `makeOutputs` gets the id and the world's existing objects to allocate addresses.
    public func insert(
        prefix: String, provider: String, resource: ResourceID, idempotencyKey: String, spec: FieldValue,
        makeOutputs: @Sendable (String, Database) throws -> [String: FieldValue]
    ) throws(SimWorldError) -> SimObject {
        try write { db in
            let serial = try Self.nextSerial(db)
            let id = "\(prefix)-\(String(format: "%06d", serial))"
            var object = SimObject(id: id, provider: provider, resource: resource, idempotencyKey: idempotencyKey, spec: spec, outputs: try makeOutputs(id, db))
            object.revision = serial
            try Self.save(object, in: db, insert: true)
            return object
        }
    }

    /// Replaces an object's spec and outputs; returns it with its new revision.
    @discardableResult
    public func replace(_ object: SimObject) throws(SimWorldError) -> SimObject {
        try write { db in
            var object = object
            object.revision = try Self.nextSerial(db)
            try Self.save(object, in: db, insert: false)
            return object
        }
    }

    /// Removes an object; removing one that is gone does nothing.
    public func remove(id: String) throws(SimWorldError) {
        try write { db in try db.execute(sql: "DELETE FROM objects WHERE id = ?", arguments: [id]) }
    }

    /// Moves the world's serial on, inside a write: the next object id and revision.
    static func nextSerial(_ db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE key = 'serial'")
        return try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'serial'") ?? 0
    }

    static func save(_ object: SimObject, in db: Database, insert: Bool) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let record = String(decoding: try encoder.encode(object), as: UTF8.self)
        if insert {
            try db.execute(sql: "INSERT INTO objects (id, provider, kind, name, idempotency_key, record, revision) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [object.id, object.provider, object.resource.kind.rawValue, object.resource.name, object.idempotencyKey, record, object.revision])
        } else {
            try db.execute(sql: "UPDATE objects SET record = ?, revision = ? WHERE id = ?", arguments: [record, object.revision, object.id])
        }
    }

    static func decode(_ rows: [Row]) throws -> [SimObject] {
        let decoder = JSONDecoder()
        return try rows.map { row in
            let text: String = row["record"]
            var object = try decoder.decode(SimObject.self, from: Data(text.utf8))
            object.revision = row["revision"] ?? 0
            return object
        }
    }

    /// The network named `name` on `provider`, inside a write (for address allocation).
    static func network(_ name: String, provider: String, in db: Database) throws -> SimObject? {
        try decode(Row.fetchAll(db, sql: "SELECT record, revision FROM objects WHERE kind = 'Network' AND name = ? AND provider = ? ORDER BY id DESC LIMIT 1",
            arguments: [name, provider])).first
    }

    /// The next host offset on a network (2, 3, ...; the gateway is 1). Addresses are not
    /// reused after a delete, as in many clouds' address pools.
    static func nextHostOffset(network id: String, in db: Database) throws -> Int {
        let next = try Int.fetchOne(db, sql: "SELECT next FROM allocations WHERE network = ?", arguments: [id]) ?? 2
        try db.execute(sql: "INSERT OR REPLACE INTO allocations (network, next) VALUES (?, ?)", arguments: [id, next + 1])
        return next
    }

    private func read<T>(_ body: (Database) throws -> T) throws(SimWorldError) -> T {
        let pool = try open()
        do {
            return try pool.read { db in try body(db) }
        } catch {
            throw SimWorldError(path: path, message: "cannot read the simulated world: \(error)")
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(SimWorldError) -> T {
        let pool = try open()
        do {
            return try pool.write { db in try body(db) }
        } catch {
            throw SimWorldError(path: path, message: "cannot write the simulated world: \(error)")
        }
    }

    private func open() throws(SimWorldError) -> DatabasePool {
        if let pool { return pool }
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            // A simulation needs to survive a killed process, not a power cut: WAL without an
            // fsync per commit (the state store keeps full durability).
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            let pool = try DatabasePool(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
                    INSERT INTO meta (key, value) VALUES ('serial', 0);
                    CREATE TABLE objects (
                        id TEXT PRIMARY KEY NOT NULL,
                        provider TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        name TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        record TEXT NOT NULL
                    );
                    CREATE INDEX objects_by_identity ON objects (kind, name, idempotency_key);
                    CREATE TABLE allocations (network TEXT PRIMARY KEY NOT NULL, next INTEGER NOT NULL);
                    """)
            }
            migrator.registerMigration("v2: revisions") { db in
                try db.execute(sql: """
                    ALTER TABLE objects ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX objects_by_provider ON objects (provider);
                    """)
            }
            // A listing of revisions reads this index alone: the revision column comes after
            // each object's record in its row, so reading it from the table read every record.
            migrator.registerMigration("v3: revisions by provider") { db in
                try db.execute(sql: "CREATE INDEX objects_revisions ON objects (provider, id, revision)")
            }
            try migrator.migrate(pool)
            self.pool = pool
            return pool
        } catch {
            throw SimWorldError(path: path, message: "cannot open the simulated world: \(error); check --sim-world or $CONTINUUM_SIM_WORLD and the directory's permissions")
        }
    }
}

/// A failure of the simulated world's file.
public struct SimWorldError: Error, Sendable, CustomStringConvertible {
    /// The world's file.
    public var path: String
    /// What went wrong.
    public var message: String

    public var description: String { "\(path): error: \(message)" }
}
