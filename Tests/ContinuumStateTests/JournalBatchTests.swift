import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// `writeJournal`: a group commit's batch of intents and completions, in one transaction,
/// on every store.
@Suite("Journal batches")
struct JournalBatchTests {
    private static func record(_ name: String, _ providerID: String) -> RecordedResource {
        RecordedResource(id: ResourceID(.virtualMachine, name), provider: "p", providerID: providerID, spec: .map([]))
    }

    @Test(arguments: StoreKind.allCases)
    func aBatchRecordsIntentsAndCompletesOthersWithTheirResults(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try kind.make(directory).store
        let web = ResourceID(.virtualMachine, "web-1"), db = ResourceID(.virtualMachine, "db-1")
        try await store.writeJournal([
            .intent(JournalEntry(key: "k1", resource: web, operation: .create, provider: "p", spec: .object([("cpu", .integer(2))]))),
            .intent(JournalEntry(key: "k2", resource: db, operation: .create, provider: "p")),
        ])
        #expect(try await store.pendingIntents().map(\.key) == ["k1", "k2"])
        #expect(try await store.journalPosition() == 2)
        try await store.writeJournal([
            .completion(key: "k1", outcome: .succeeded, upserts: [Self.record("web-1", "vm-1")], removals: []),
            .completion(key: "k2", outcome: .failed, upserts: [], removals: []),
            .intent(JournalEntry(key: "k3", resource: db, operation: .create, provider: "p")),
        ])
        let pending = try await store.pendingIntents()
        #expect(pending.map(\.key) == ["k3"])
        #expect(pending.first?.outcome == .pending)
        let snapshot = try await store.snapshot()
        #expect(snapshot.resources.map(\.providerID) == ["vm-1"])
        #expect(snapshot.serial == 2, "the serial moves once per completion, as when they are written one by one")
        #expect(try await store.journalPosition() == 3)
    }

    @Test(arguments: StoreKind.allCases)
    func completionsOfOneResourceInOneBatchApplyInOrder(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try kind.make(directory).store
        let id = ResourceID(.virtualMachine, "web-1")
        for key in ["a", "b", "c", "d"] { try await store.recordIntent(JournalEntry(key: key, resource: id, operation: .update, provider: "p")) }
        try await store.writeJournal([
            .completion(key: "a", outcome: .succeeded, upserts: [Self.record("web-1", "vm-1")], removals: []),
            .completion(key: "b", outcome: .succeeded, upserts: [], removals: [id]),
        ])
        #expect(try await store.snapshot().resources.isEmpty, "the removal came last")
        try await store.writeJournal([
            .completion(key: "c", outcome: .succeeded, upserts: [], removals: [id]),
            .completion(key: "d", outcome: .succeeded, upserts: [Self.record("web-1", "vm-2")], removals: []),
        ])
        #expect(try await store.snapshot().resources.map(\.providerID) == ["vm-2"], "the upsert came last")
        #expect(try await store.pendingIntents().isEmpty)
    }

    /// A spec string may hold any character, a NUL included: completing its intent must not
    /// depend on re-reading the entry as JSON (PostgreSQL's jsonb refuses `\u0000`).
    @Test(arguments: StoreKind.allCases)
    func anIntentWhoseSpecHoldsANulCharacterIsCompleted(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try kind.make(directory).store
        let id = ResourceID(.virtualMachine, "web-1")
        let spec = FieldValue.object([("userData", .string("before\u{0}after"))])
        try await store.writeJournal([.intent(JournalEntry(key: "k1", resource: id, operation: .create, provider: "p", spec: spec))])
        try await store.recordIntent(JournalEntry(key: "k2", resource: id, operation: .update, provider: "p", spec: spec))
        #expect(try await store.pendingIntents().first?.spec == spec)
        try await store.writeJournal([.completion(key: "k1", outcome: .succeeded, upserts: [Self.record("web-1", "vm-1")], removals: [])])
        _ = try await store.completeIntent(key: "k2", outcome: .succeeded, upserts: [], removals: [])
        #expect(try await store.pendingIntents().isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func aFencedBatchWritesNothingOfIt(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        let id = ResourceID(.virtualMachine, "web-1")
        try await state.store.lock(holder: "paused", for: .milliseconds(50))
        try await state.store.recordIntent(JournalEntry(key: "k1", resource: id, operation: .create, provider: "p"))
        try await state.connect().takeOver(holder: "successor")
        do {
            try await state.store.writeJournal([
                .completion(key: "k1", outcome: .succeeded, upserts: [Self.record("web-1", "vm-1")], removals: []),
                .intent(JournalEntry(key: "k2", resource: id, operation: .update, provider: "p", providerID: "vm-1")),
            ])
            Issue.record("a paused holder's batch was written after the lease was taken over")
        } catch {
            #expect(error.code == .fenced)
        }
        let reader = state.connect()
        #expect(try await reader.pendingIntents().map(\.key) == ["k1"])
        #expect(try await reader.snapshot().resources.isEmpty)
        #expect(try await reader.journalPosition() == 1)
    }
}
