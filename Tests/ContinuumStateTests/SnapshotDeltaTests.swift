@testable import ContinuumPostgres
import ContinuumSpec
@testable import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// A store re-reads the state after its own writes by merging them into the last snapshot
/// read; what it returns must be what reading every record from the file returns.
@Suite("Snapshots after a store's own writes")
struct SnapshotDeltaTests {
    private static func record(_ name: String, _ providerID: String, kind: ResourceKind = .virtualMachine) -> RecordedResource {
        RecordedResource(id: ResourceID(kind, name), provider: "p", providerID: providerID, spec: .map([]))
    }

    /// How many snapshots of `store` decoded every record.
    private static func fullReads(_ store: any StateStore) async -> Int {
        if let store = store as? SQLiteStateStore { return await store.fullReads }
        if let store = store as? PostgresStateStore { return await store.fullReads }
        Issue.record("\(type(of: store)) does not count its full reads")
        return 0
    }

    @Test(arguments: [StoreKind.sqlite, .postgres])
    func ownWritesOfEveryKindReadBackAsTheStoreHoldsThem(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let made = try kind.make(directory)
        let store = made.store
        // The state read afresh, by a store that never wrote.
        func fresh() async throws -> StateSnapshot { try await made.connect().snapshot() }
        _ = try await store.commit(upserts: [Self.record("vm-10", "a"), Self.record("vm-9", "b"), Self.record("net", "n", kind: .network)], removals: [])
        #expect(try await store.snapshot() == fresh())
        // Writes of every kind, in sizes and orders that move records before, between and after the others.
        _ = try await store.commit(upserts: [Self.record("vm-1", "c"), Self.record("z-last", "z"), Self.record("vm-9", "b2")], removals: [ResourceID(.virtualMachine, "vm-10")])
        try await store.recordIntent(JournalEntry(key: "k1", resource: ResourceID(.virtualMachine, "a-first"), operation: .create, provider: "p"))
        _ = try await store.completeIntent(key: "k1", outcome: .succeeded, upserts: [Self.record("a-first", "u")], removals: [])
        try await store.writeJournal([
            .intent(JournalEntry(key: "k2", resource: ResourceID(.virtualMachine, "vm-2"), operation: .create, provider: "p")),
            .completion(key: "k1", outcome: .succeeded, upserts: [Self.record("vm-2", "d"), Self.record("vm-10", "a2")], removals: [ResourceID(.network, "net")]),
            .completion(key: "k2", outcome: .succeeded, upserts: [Self.record("net", "n2", kind: .network)], removals: [ResourceID(.virtualMachine, "vm-1")]),
        ])
        let readsBefore = await Self.fullReads(store)
        let merged = try await store.snapshot()
        #expect(await Self.fullReads(store) == readsBefore, "its own writes are merged, not read again")
        let read = try await fresh()
        #expect(merged == read)
        #expect(merged.resources.map(\.id.name) == read.resources.map(\.id.name), "the order of a full read")
        #expect(Set(merged.resources.compactMap(\.providerID)) == ["b2", "z", "u", "d", "a2", "n2"])
    }

    @Test(arguments: [StoreKind.sqlite, .postgres])
    func anotherWritersWriteInBetweenIsRead(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let made = try kind.make(directory)
        let store = made.store
        _ = try await store.commit(upserts: [Self.record("web-1", "a")], removals: [])
        _ = try await store.snapshot()
        _ = try await made.connect().commit(upserts: [Self.record("from-elsewhere", "x")], removals: [])
        _ = try await store.commit(upserts: [Self.record("web-2", "b")], removals: [])
        let readsBefore = await Self.fullReads(store)
        let snapshot = try await store.snapshot()
        #expect(await Self.fullReads(store) == readsBefore + 1, "another writer's write makes it read everything")
        #expect(snapshot == (try await made.connect().snapshot()))
        #expect(snapshot.resources.map(\.id.name).sorted() == ["from-elsewhere", "web-1", "web-2"])
    }

    @Test(arguments: [7, 42, 1_234] as [UInt64])
    func mergingEqualsSortingTheResult(seed: UInt64) {
        var random = SplitMix(seed: seed)
        let names = (0..<60).map { "r-\($0)" }
        let base = names.filter { _ in Bool.random(using: &random) }.map { Self.record($0, "old") }.sorted { SnapshotDelta.precedes($0.id, $1.id) }
        var delta = SnapshotDelta(serial: 0)
        var expected = Dictionary(uniqueKeysWithValues: base.map { ($0.id, $0) })
        for step in 0..<20 {
            let upserts = (0..<Int.random(in: 0...4, using: &random)).map { _ in Self.record(names.randomElement(using: &random) ?? "r-0", "step-\(step)") }
            let removals = (0..<Int.random(in: 0...3, using: &random)).map { _ in ResourceID(.virtualMachine, names.randomElement(using: &random) ?? "r-0") }
            let followed = delta.add(from: Int64(step), to: Int64(step + 1), upserts: upserts, removals: removals)
            #expect(followed)
            for record in upserts { expected[record.id] = record }
            for id in removals { expected[id] = nil }
        }
        let gap = delta.add(from: 3, to: 4, upserts: [], removals: [])
        #expect(!gap, "a write that does not follow the last one")
        #expect(delta.applied(to: base) == expected.values.sorted { SnapshotDelta.precedes($0.id, $1.id) })
    }
}

/// A small seeded generator, so that each seed is the same run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
