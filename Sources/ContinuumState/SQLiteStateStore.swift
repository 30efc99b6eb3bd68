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
    /// The lease taken through this store: every write checks it in its transaction.
    var fence: LeaseFence?
    /// The last snapshot read and the providers' version then, returned again while
    /// neither has moved.
    private var cached: (snapshot: StateSnapshot, providersVersion: String)?
    /// What this store wrote to resources since `cached` was read.
    private var delta: SnapshotDelta?
    /// How many snapshots decoded every record (for tests: own writes are merged instead).
    private(set) var fullReads = 0

    /// Creates a store for the file at `path`; nothing is opened until it is used.
    public init(path: String) {
        self.path = path
    }

    /// The recorded state; an empty state when the file does not exist (it is not created).
    /// The last snapshot read is kept and returned again while the serial and lineage are
    /// unchanged (every write to resources, by any process, moves the serial; one to the
    /// providers moves their version), so a controller that re-reads an unchanged state of
    /// 100,000 resources decodes none.
    public func snapshot() async throws(StateError) -> StateSnapshot {
        guard FileManager.default.fileExists(atPath: path) else {
            cached = nil
            delta = nil
            return .empty
        }
        var cached = self.cached
        // Only this store's own writes since the last read: the last read with them merged in.
        if let base = cached, let delta { cached = (delta.applied(to: base.snapshot), base.providersVersion) }
        let known = cached
        let (snapshot, providersVersion, decoded) = try await read("read the state") { db in
            let meta = try Self.meta(db)
            let providersVersion = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'providers'") ?? "0"
            if let known, known.snapshot.serial == meta.serial, known.snapshot.lineage == meta.lineage, known.providersVersion == providersVersion {
                return (known.snapshot, providersVersion, false)
            }
            let decoder = JSONDecoder()
            let resources = try String.fetchAll(db, sql: "SELECT record FROM resources ORDER BY id")
                .map { try decoder.decode(RecordedResource.self, from: Data($0.utf8)) }
            var providers: [String: FieldValue] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, spec FROM providers") {
                let spec: String = row["spec"]
                providers[row["name"]] = try decoder.decode(FieldValue.self, from: Data(spec.utf8))
            }
            return (StateSnapshot(serial: meta.serial, lineage: meta.lineage, resources: resources, providers: providers), providersVersion, true)
        }
        if decoded { fullReads += 1 }
        self.cached = (snapshot, providersVersion)
        delta = SnapshotDelta(serial: snapshot.serial)
        return snapshot
    }

    /// Notes a write of this store that moved the serial from `before` to `after`; another
    /// writer's write in between makes the next snapshot read everything again.
    func noteWrite(from before: Int64, to after: Int64, upserts: [RecordedResource], removals: [ResourceID]) {
        if delta?.add(from: before, to: after, upserts: upserts, removals: removals) != true {
            cached = nil
            delta = nil
        }
    }

    /// Writes the changes in one transaction and bumps the serial; creates the file on first use.
    public func commit(upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        let serial = try await write("write the state") { db in try Self.apply(upserts: upserts, removals: removals, in: db) }
        noteWrite(from: serial - 1, to: serial, upserts: upserts, removals: removals)
        return serial
    }

    static func apply(upserts: [RecordedResource], removals: [ResourceID], in db: Database) throws -> Int64 {
        try apply(encoded: upserts.map { ($0, try json($0)) }, removals: removals, in: db)
    }

    /// Upserts records already encoded as JSON, removes `removals` and moves the serial.
    static func apply(encoded upserts: [(RecordedResource, String)], removals: [ResourceID], in db: Database) throws -> Int64 {
        for (resource, json) in upserts {
            try db.execute(
                sql: "INSERT INTO resources (id, kind, name, provider, record) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET provider = excluded.provider, record = excluded.record",
                arguments: [resource.id.description, resource.id.kind.rawValue, resource.id.name, resource.provider, json])
        }
        for id in removals { try db.execute(sql: "DELETE FROM resources WHERE id = ?", arguments: [id.description]) }
        try db.execute(sql: "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'serial'")
        return try meta(db).serial
    }

    /// Runs `body` in a read transaction; failures name the store and what was being done.
    func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(StateError) -> T {
        let pool = try open()
        do {
            return try await pool.read(body)
        } catch let error as StateError {
            throw error
        } catch {
            throw StateError(.io, location: path, message: "cannot \(what): \(error)", remedy: "check that the file is a Continuum state database and is not damaged")
        }
    }

    /// Runs `body` in a write transaction; failures name the store and what was being done.
    /// Unless `fenced` is off (the lock's own operations), the transaction first checks that
    /// the lease this store took is still its own.
    func write<T: Sendable>(_ what: String, fenced: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws(StateError) -> T {
        let pool = try open()
        let fence = fenced ? self.fence : nil
        let scoped = fenced ? LeaseScope.current : nil
        let path = self.path
        do {
            return try await pool.write { db in
                if let fence {
                    let held = try Self.lock(in: db)
                    guard fence.admits(holder: held?.holder, generation: held?.generation) else { throw StateError.fenced(fence, current: held, location: path) }
                }
                try scoped?.check(location: path) { try Self.namedLease($0, in: db) }
                return try body(db)
            }
        } catch let error as StateError {
            throw error
        } catch {
            throw StateError(.io, location: path, message: "cannot \(what): \(error)", remedy: "check free disk space and permissions; the previous state is unchanged")
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
        migrator.registerMigration("v2: lock, journal, providers, history") { db in
            try db.execute(sql: """
                CREATE TABLE lock (id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, acquired_at REAL NOT NULL, expires_at REAL NOT NULL, host TEXT, pid INTEGER);
                CREATE TABLE journal (key TEXT PRIMARY KEY NOT NULL, outcome TEXT NOT NULL, recorded_at REAL NOT NULL, entry TEXT NOT NULL);
                CREATE INDEX journal_pending ON journal (outcome, recorded_at);
                CREATE TABLE providers (name TEXT PRIMARY KEY NOT NULL, spec TEXT NOT NULL);
                CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at REAL NOT NULL, record TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("v3: resource events") { db in
            try db.execute(sql: """
                CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, resource TEXT NOT NULL, time REAL NOT NULL, event TEXT NOT NULL);
                CREATE INDEX events_by_resource ON events (resource, id);
                """)
        }
        migrator.registerMigration("v4: lease generation (fencing)") { db in
            try db.execute(sql: """
                ALTER TABLE lock ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
                INSERT INTO meta (key, value) VALUES ('lease_generation', '0');
                """)
        }
        migrator.registerMigration("v5: operator controls") { db in
            try db.execute(sql: "CREATE TABLE controls (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
        migrator.registerMigration("v6: named leases (shards, replicas)") { db in
            try db.execute(sql: "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT, acquired_at REAL, expires_at REAL, generation INTEGER NOT NULL)")
        }
        return migrator
    }
}
