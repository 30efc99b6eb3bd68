import ContinuumPostgres
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// The stores the contract tests run on alike.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case memory, sqlite, postgres
    var testDescription: String { rawValue }

    /// A new, empty state of this kind in `directory` (PostgreSQL: a new database on the
    /// shared test server).
    func make(_ directory: TemporaryDirectory) throws -> StoreUnderTest {
        switch self {
        case .memory:
            let store = InMemoryStateStore()
            return StoreUnderTest(store: store) { store.connection() }
        case .sqlite:
            let path = directory.url.appendingPathComponent("state.db").path
            return StoreUnderTest(store: SQLiteStateStore(path: path)) { SQLiteStateStore(path: path) }
        case .postgres:
            let server = try PostgresServer.shared()
            let location = try PostgresLocation.parse(server.url(try server.createDatabase()))
            return StoreUnderTest(store: PostgresStateStore(location: location, password: nil)) { PostgresStateStore(location: location, password: nil) }
        }
    }
}

/// A store under test, and how to open another connection to the same state (as another
/// process would), with a lease of its own.
struct StoreUnderTest: Sendable {
    let store: any StateStore
    let connect: @Sendable () -> any StateStore
}
