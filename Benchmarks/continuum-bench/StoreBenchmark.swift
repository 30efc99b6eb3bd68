import ContinuumPostgres
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation

/// Per-operation cost of the state stores, SQLite and PostgreSQL (a throwaway local cluster
/// over TCP on loopback), in the same run, with the in-memory
/// store as the floor. Every write is made under a lease, so the fencing check is included.
struct StoreBenchmark {
    /// How many times each small operation runs.
    let operations: Int
    /// How many records the state holds for the snapshot and batch figures.
    let resources: Int
    /// Whether PostgreSQL flushes commits to disk (its default); off as in the tests.
    let fsync: Bool

    struct Store: Codable {
        var store: String
        /// One commit of one record, ms.
        var commitMilliseconds: Double
        /// A journalled operation's two writes, recordIntent + completeIntent with its record, ms.
        var journalledOperationMilliseconds: Double
        /// A lease renewal, ms.
        var renewMilliseconds: Double
        /// A commit of `resources` records in one transaction, ms.
        var batchCommitMilliseconds: Double
        /// Reading `resources` records after they moved (decoded), ms.
        var snapshotMilliseconds: Double
        /// Reading them again unchanged (the kept snapshot), ms.
        var unchangedSnapshotMilliseconds: Double
    }

    func run() async throws -> [Store] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try PostgresServer(fsync: fsync)
        defer { server.stop() }
        let postgres = PostgresStateStore(location: try PostgresLocation.parse(server.url(try server.createDatabase())), password: nil)
        let stores: [(String, any StateStore)] = [
            ("in-memory", InMemoryStateStore()),
            ("SQLite", SQLiteStateStore(path: directory.url.appendingPathComponent("state.db").path)),
            ("PostgreSQL", postgres),
        ]
        var results: [Store] = []
        for (name, store) in stores { results.append(try await measure(name, store)) }
        await postgres.close()
        return results
    }

    private func measure(_ name: String, _ store: any StateStore) async throws -> Store {
        try await store.lock(holder: "bench", for: .seconds(600))
        _ = try await store.snapshot()
        let commit = try await mean(operations) { index in
            _ = try await store.commit(upserts: [Self.record("single-\(index % 10)", cpu: index)], removals: [])
        }
        let journalled = try await mean(operations) { index in
            let id = ResourceID(.virtualMachine, "journalled-\(index % 10)")
            try await store.recordIntent(JournalEntry(key: "bench-\(index)", resource: id, operation: .create, provider: "de-fra-cloud"))
            _ = try await store.completeIntent(key: "bench-\(index)", outcome: .succeeded, upserts: [Self.record(id.name, cpu: index)], removals: [])
        }
        let renew = try await mean(operations) { _ in
            try await store.renewLock(holder: "bench", for: .seconds(600), host: nil, processID: nil)
        }
        let batch = try await mean(3) { round in
            _ = try await store.commit(upserts: (0..<resources).map { Self.record("vm-\($0)", cpu: round) }, removals: [])
        }
        let snapshot = try await mean(3) { round in
            _ = try await store.commit(upserts: [Self.record("vm-0", cpu: 100 + round)], removals: [])
            _ = try await store.snapshot()
        } - commit
        let unchanged = try await mean(operations) { _ in _ = try await store.snapshot() }
        try await store.unlock(holder: "bench")
        return Store(
            store: name, commitMilliseconds: commit, journalledOperationMilliseconds: journalled, renewMilliseconds: renew, batchCommitMilliseconds: batch,
            snapshotMilliseconds: max(0, snapshot), unchangedSnapshotMilliseconds: unchanged)
    }

    /// The mean wall time of `body` over `count` runs, in ms.
    private func mean(_ count: Int, _ body: (Int) async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        for index in 0..<count { try await body(index) }
        let elapsed = ContinuousClock.now - start
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * 1000 / Double(max(1, count))
    }

    static func record(_ name: String, cpu: Int) -> RecordedResource {
        RecordedResource(
            id: ResourceID(.virtualMachine, name), provider: "de-fra-cloud", providerID: "vm-\(name)",
            spec: .object([("cpu", .integer(cpu)), ("memory", .string("4Gi")), ("image", .string("debian-12")), ("network", .reference(ResourceID(.network, "fra")))]),
            outputs: ["ipAddress": .string("10.0.0.5")], dependencies: [ResourceID(.network, "fra")], labels: ["site": "fra"])
    }
}
