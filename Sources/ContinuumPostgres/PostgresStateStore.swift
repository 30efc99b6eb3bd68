public import ContinuumSpec
public import ContinuumState
import Foundation
public import Logging
import NIOSSL
import PostgresNIO

/// Recorded state in PostgreSQL, for controllers that outgrow one machine: the same
/// contract and semantics as the SQLite store. Every operation is one transaction; writes
/// first lock the state's meta row (one writer at a time, as SQLite has) and, while this
/// store holds the lease, check its generation (fencing). The schema is migrated at first
/// use; connections come from a pool (postgres-nio's `PostgresClient`).
public actor PostgresStateStore: StateStore {
    /// Where the state lives (no password in it).
    public let location: PostgresLocation
    let password: String?
    let logger: Logger
    /// The pool, once opened, and the task that runs it.
    private var opened: (client: PostgresClient, runner: Task<Void, Never>)?
    private var opening: Task<(client: PostgresClient, runner: Task<Void, Never>), any Error>?
    /// The lease taken through this store: every write checks it in its transaction.
    var fence: LeaseFence?
    /// The last snapshot read and the providers' version then, returned again while
    /// neither has moved.
    private var cached: (snapshot: StateSnapshot, providersVersion: Int64)?
    /// What this store wrote to resources since `cached` was read.
    private var delta: SnapshotDelta?
    /// How many snapshots decoded every record (for tests: own writes are merged instead).
    package private(set) var fullReads = 0

    /// Creates a store for `location`, connecting with `password` (from `PGPASSWORD` or a
    /// password file; nil for none). Nothing is opened until it is used. `logger` receives
    /// the driver's messages, which never carry the password.
    public init(location: PostgresLocation, password: String?, logger: Logger = Logger(label: "continuum.postgres", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.location = location
        self.password = password
        self.logger = logger
    }

    deinit {
        opened?.runner.cancel()
        opening?.cancel()
    }

    /// Closes the pool; the store opens it again if used after.
    public func close() {
        opened?.runner.cancel()
        opened = nil
        opening = nil
    }

    var failure: PostgresFailure { PostgresFailure(location: location, password: password) }

    // MARK: - Opening

    /// The pool, opened (and the schema migrated) on first use. A first connection is made
    /// directly so that an unreachable server, a wrong password or missing TLS fail at once
    /// with their own error rather than after the pool's retries.
    private func open() async throws(StateError) -> PostgresClient {
        if let opened { return opened.client }
        let task = opening ?? Task { [location, password, logger] in try await Self.connect(location: location, password: password, logger: logger) }
        opening = task
        do {
            let result = try await task.value
            if opened == nil { opened = result }
            return opened?.client ?? result.client
        } catch {
            opening = nil
            throw failure.stateError(error, doing: "open the state database")
        }
    }

    private static func connect(location: PostgresLocation, password: String?, logger: Logger) async throws -> (client: PostgresClient, runner: Task<Void, Never>) {
        let tls = try tlsConfiguration(location)
        let connectionTLS: PostgresConnection.Configuration.TLS
        let clientTLS: PostgresClient.Configuration.TLS
        switch (location.tls, tls) {
        case (.disable, _), (_, nil):
            connectionTLS = .disable
            clientTLS = .disable
        case (.prefer, let tls?):
            connectionTLS = .prefer(try NIOSSLContext(configuration: tls))
            clientTLS = .prefer(tls)
        case (_, let tls?):
            connectionTLS = .require(try NIOSSLContext(configuration: tls))
            clientTLS = .require(tls)
        }
        var direct = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: password, database: location.database, tls: connectionTLS)
        direct.options.additionalStartupParameters = startupParameters
        let connection = try await PostgresConnection.connect(configuration: direct, id: 0, logger: logger)
        do {
            try await PostgresSchema.migrate(connection, location: location, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: password, database: location.database, tls: clientTLS)
        configuration.options.maximumConnections = 8
        configuration.options.additionalStartupParameters = startupParameters
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        // Detached: the pool must not inherit the graceful-shutdown context of whichever
        // service opened the store first (postgres-nio shuts the pool down with it), or a
        // SIGTERM would close the pool while that service still finishes its work.
        let runner = Task.detached { await client.run() }
        return (client, runner)
    }

    /// Session settings: a transaction left idle (its process paused by SIGSTOP or a GC,
    /// or cut off) is ended by the server after 10 s, so the meta-row lock it holds does not
    /// stop the other replicas from writing, or from taking its leases over, for longer.
    static let startupParameters = [("idle_in_transaction_session_timeout", "10s")]

    private static func tlsConfiguration(_ location: PostgresLocation) throws -> TLSConfiguration? {
        guard location.tls != .disable else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch location.tls {
        case .disable, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let roots = location.rootCertificates { tls.trustRoots = .file(roots) }
        return tls
    }

    // MARK: - Transactions

    /// Runs `body` in a read-only transaction that sees one consistent state.
    func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws(StateError) -> T {
        try await transaction(what, writing: false, fence: nil, body)
    }

    /// Runs `body` in a write transaction, after locking the state's meta row (writers take
    /// turns) and, unless `fenced` is off (the lock's own operations), checking that the
    /// lease this store took is still its own.
    func write<T: Sendable>(_ what: String, fenced: Bool = true, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws(StateError) -> T {
        try await transaction(what, writing: true, fence: fenced ? fence : nil, scoped: fenced ? LeaseScope.current : nil, body)
    }

    private func transaction<T: Sendable>(
        _ what: String, writing: Bool, fence: LeaseFence?, scoped: ScopedFence? = nil, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws(StateError) -> T {
        let client = try await open()
        let logger = self.logger
        let place = location.description
        do {
            return try await client.withConnection { connection in
                do {
                    try await connection.run(writing ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                    if writing {
                        try await connection.run("SELECT serial FROM continuum_meta WHERE id = 1 FOR UPDATE", logger: logger)
                        if let fence {
                            let lease = try await Self.lease(connection, logger: logger)
                            guard fence.admits(holder: lease.held?.holder, generation: lease.generation) else {
                                throw StateError.fenced(fence, current: lease.held, location: place)
                            }
                        }
                        try await scoped?.check(location: place) { try await Self.namedLease($0, connection, logger: logger) }
                    }
                    let value = try await body(connection, logger)
                    try await connection.run("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await connection.run("ROLLBACK", logger: logger)
                    // A connection the server closed goes back to the pool only once the pool
                    // has heard of the close, or the next transaction would be lent it.
                    await connection.settle()
                    throw error
                }
            }
        } catch {
            throw failure.stateError(error, doing: what)
        }
    }

    // MARK: - Resources

    /// The recorded state. The last snapshot read is returned again while the serial,
    /// lineage and providers' version are unchanged, so an unchanged state is not decoded
    /// again; after this store's own writes (and nobody else's: the serial is the one they
    /// reached), the last snapshot with them merged in (`SnapshotDelta`). Records are in
    /// byte order of their ids (`COLLATE "C"`), as SQLite's binary collation orders them.
    public func snapshot() async throws(StateError) -> StateSnapshot {
        var cached = self.cached
        if let base = cached, let delta { cached = (delta.applied(to: base.snapshot), base.providersVersion) }
        let known = cached
        let (snapshot, providersVersion, decoded) = try await read("read the state") { connection, logger in
            var meta: (serial: Int64, lineage: String, providers: Int64) = (0, "", 0)
            for row in try await connection.run("SELECT serial, lineage, providers_version FROM continuum_meta WHERE id = 1", logger: logger)
                .decode((Int64, String, Int64).self)
            {
                meta = row
            }
            if let known, known.snapshot.serial == meta.serial, known.snapshot.lineage == meta.lineage, known.providersVersion == meta.providers {
                return (known.snapshot, meta.providers, false)
            }
            let decoder = JSONDecoder()
            var resources: [RecordedResource] = []
            for text in try await connection.run("SELECT record FROM continuum_resources ORDER BY id COLLATE \"C\"", logger: logger).decode(String.self) {
                resources.append(try decoder.decode(RecordedResource.self, from: Data(text.utf8)))
            }
            var providers: [String: FieldValue] = [:]
            for (name, spec) in try await connection.run("SELECT name, spec FROM continuum_providers", logger: logger).decode((String, String).self) {
                providers[name] = try decoder.decode(FieldValue.self, from: Data(spec.utf8))
            }
            return (StateSnapshot(serial: meta.serial, lineage: meta.lineage, resources: resources, providers: providers), meta.providers, true)
        }
        if decoded { fullReads += 1 }
        self.cached = (snapshot, providersVersion)
        delta = SnapshotDelta(serial: snapshot.serial)
        return snapshot
    }

    /// Notes a write of this store that moved the serial from `before` to `after`; another
    /// writer's write in between (another replica's) makes the next snapshot read everything.
    func noteWrite(from before: Int64, to after: Int64, upserts: [RecordedResource], removals: [ResourceID]) {
        if delta?.add(from: before, to: after, upserts: upserts, removals: removals) != true {
            cached = nil
            delta = nil
        }
    }

    /// Writes the changes in one transaction and bumps the serial.
    public func commit(upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        let serial = try await write("write the state") { connection, logger in try await Self.apply(upserts: upserts, removals: removals, on: connection, logger: logger) }
        noteWrite(from: serial - 1, to: serial, upserts: upserts, removals: removals)
        return serial
    }

    /// Upserts and removes records (the last upsert of an id wins, as when made one by one)
    /// and moves the serial by `steps` (one per change made), inside the caller's transaction.
    static func apply(upserts: [RecordedResource], removals: [ResourceID], steps: Int64 = 1, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        var latest: [ResourceID: RecordedResource] = [:]
        for resource in upserts { latest[resource.id] = resource }
        if !latest.isEmpty {
            let records = Array(latest.values)
            let ids = records.map(\.id.description), kinds = records.map(\.id.kind.rawValue), names = records.map(\.id.name)
            let providers = records.map(\.provider), texts = try records.map(json)
            try await connection.run("""
                INSERT INTO continuum_resources (id, kind, name, provider, record)
                SELECT * FROM unnest(\(ids)::text[], \(kinds)::text[], \(names)::text[], \(providers)::text[], \(texts)::text[])
                ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, record = excluded.record
                """, logger: logger)
        }
        if !removals.isEmpty {
            try await connection.run("DELETE FROM continuum_resources WHERE id = ANY(\(removals.map(\.description))::text[])", logger: logger)
        }
        var serial: Int64 = 0
        for value in try await connection.run("UPDATE continuum_meta SET serial = serial + \(steps) WHERE id = 1 RETURNING serial", logger: logger).decode(Int64.self) {
            serial = value
        }
        return serial
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
