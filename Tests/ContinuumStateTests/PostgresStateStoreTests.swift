@testable import ContinuumPostgres
import ContinuumState
import ContinuumTesting
import Foundation
import Logging
import PostgresNIO
import Testing

/// What only the PostgreSQL store has: its connection string, migrations, and one-line
/// errors with a remedy that never show the password.
@Suite("PostgreSQL state store")
struct PostgresStateStoreTests {
    static let password = "correct horse battery staple"
    static let wrongPassword = "Tr0ub4dor&3-not-it"

    @Test(arguments: [
        ("postgres://continuum@db.example:6543/fleet?sslmode=verify-full", "postgres://continuum@db.example:6543/fleet?sslmode=verify-full"),
        ("postgresql://continuum@db.example/fleet", "postgres://continuum@db.example:5432/fleet?sslmode=prefer"),
        ("postgres://ops%40corp@10.0.0.5:5432/state?sslmode=require", "postgres://ops@corp@10.0.0.5:5432/state?sslmode=require"),
    ])
    func connectionStringsAreParsed(_ text: String, _ shown: String) throws {
        #expect(try PostgresLocation.parse(text).description == shown)
    }

    @Test(arguments: [
        ("postgres://continuum:s3cret-pw@db/fleet", "PGPASSWORD"),
        ("postgres://db.example/fleet", "names no user"),
        ("postgres://continuum@db.example", "names no database"),
        ("postgres://continuum@db.example/fleet?sslmode=always", "unknown sslmode 'always'"),
        ("postgres://continuum@db.example/fleet?connect_timeout=3", "unknown connection parameter 'connect_timeout'"),
    ])
    func badConnectionStringsAreOneLineErrors(_ text: String, _ expected: String) {
        do {
            _ = try PostgresLocation.parse(text)
            Issue.record("\(expected): accepted")
        } catch {
            #expect(error.description.contains(expected))
            #expect(!error.description.contains("s3cret-pw"))
            #expect(!error.description.contains("\n"))
        }
    }

    /// The failures to open, each with what its message and remedy say.
    enum Failure: String, CaseIterable, CustomTestStringConvertible {
        case serverDown, wrongPassword, noPassword, tlsUnavailable, schemaNewer, missingDatabase
        var testDescription: String { rawValue }
    }

    @Test(arguments: Failure.allCases)
    func failingToOpenIsOneLineWithARemedyAndNeverThePassword(_ failure: Failure) async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        var url = server.url(database, user: PostgresServer.passwordUser)
        var password: String? = Self.wrongPassword
        let expected: [String]
        switch failure {
        case .serverDown:
            url = "postgres://\(PostgresServer.passwordUser)@127.0.0.1:\(try PostgresServer.freePort())/\(database)?sslmode=disable"
            expected = ["connection refused", "pg_isready"]
        case .wrongPassword:
            expected = ["authentication failed for user \(PostgresServer.passwordUser)", "PGPASSWORD or --state-password-file"]
        case .noPassword:
            password = nil
            expected = ["asks user \(PostgresServer.passwordUser) for a password", "set PGPASSWORD"]
        case .tlsUnavailable:
            url = server.url(database, user: PostgresServer.passwordUser, sslmode: "require")
            password = Self.password
            expected = ["does not offer TLS", "sslmode=require", "enable ssl on the server"]
        case .schemaNewer:
            password = Self.password
            _ = try await PostgresStateStore(location: try PostgresLocation.parse(url), password: password).snapshot()
            try server.psql("UPDATE continuum_schema SET version = 99", database: database)
            expected = ["schema is version 99", "this Continuum's version \(PostgresSchema.version)", "release that knows schema version 99"]
        case .missingDatabase:
            url = server.url("no_such_database", user: PostgresServer.passwordUser)
            password = Self.password
            expected = ["does not exist", "createdb"]
        }
        let log = RecordingLog()
        let store = PostgresStateStore(location: try PostgresLocation.parse(url), password: password, logger: log.logger)
        do {
            _ = try await store.snapshot()
            Issue.record("opened")
        } catch {
            for text in expected { #expect(error.description.contains(text), "\(error)") }
            #expect(!error.description.contains("\n"))
            #expect(error.description.hasPrefix("postgres://\(PostgresServer.passwordUser)@"))
            for secret in [Self.password, Self.wrongPassword] {
                #expect(!error.description.contains(secret))
                #expect(!log.text.contains(secret), "the driver's log never holds the password")
            }
        }
        await store.close()
    }

    @Test func theRightPasswordOpensAndNothingLogsIt() async throws {
        let server = try PostgresServer.shared()
        let log = RecordingLog()
        let location = try PostgresLocation.parse(server.url(try server.createDatabase(), user: PostgresServer.passwordUser))
        let store = PostgresStateStore(location: location, password: Self.password, logger: log.logger)
        #expect(try await store.commit(upserts: [StoreContractTests.record("a")], removals: []) == 1)
        #expect(!log.text.isEmpty, "the driver did log")
        #expect(!log.text.contains(Self.password))
        await store.close()
    }

    @Test func replicasStartingTogetherMigrateOnce() async throws {
        let server = try PostgresServer.shared()
        let location = try PostgresLocation.parse(server.url(try server.createDatabase()))
        let lineages = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStateStore(location: location, password: nil).snapshot().lineage } }
            return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
        }
        #expect(lineages.count == 1, "one lineage: the schema was created once")
        #expect(try await PostgresStateStore(location: location, password: nil).snapshot().serial == 0)
    }

    @Test func aLostConnectionFailsItsTransactionWholeAndThePoolReconnects() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let store = PostgresStateStore(location: try PostgresLocation.parse(server.url(database)), password: nil)
        #expect(try await store.commit(upserts: [], removals: []) == 1)
        try server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()", database: "postgres")
        // The first commit may meet the dead connection and fail; the next is lent a new one.
        var serial: Int64?
        for _ in 0..<2 where serial == nil {
            do { serial = try await store.commit(upserts: [], removals: []) } catch { #expect(!error.description.contains("\n")) }
        }
        #expect(serial == 2, "a failed transaction recorded nothing; the pool reconnects")
    }

    /// postgres-nio loses a statement written once the server has closed the connection (its
    /// wait never ends): the store's statement fails at once, the transaction fails whole, and
    /// the next one is lent a new connection.
    @Test func aConnectionClosedBetweenTwoStatementsFailsItsTransactionAtOnce() async throws {
        let server = try PostgresServer.shared()
        let store = PostgresStateStore(location: try PostgresLocation.parse(server.url(try server.createDatabase())), password: nil)
        #expect(try await store.commit(upserts: [], removals: []) == 1)
        do {
            try await store.write("write after the server closed the connection") { connection, logger in
                _ = try? await connection.run("SELECT pg_terminate_backend(pg_backend_pid())", logger: logger)
                try await connection.closeFuture.get()
                try await connection.run("UPDATE continuum_meta SET serial = serial + 100 WHERE id = 1", logger: logger)
            }
            Issue.record("a statement on a closed connection succeeded")
        } catch {
            #expect(error.description.contains("was lost"), "\(error)")
            #expect(!error.description.contains("\n"))
        }
        #expect(try await store.commit(upserts: [], removals: []) == 2)
        await store.close()
    }
}
