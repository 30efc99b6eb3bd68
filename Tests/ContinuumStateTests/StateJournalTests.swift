import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// The lock, the write-ahead journal, provider specs and history, on both stores.
@Suite("State lock, journal and history")
struct StateJournalTests {
    private func store(_ kind: StoreKind, _ directory: TemporaryDirectory) throws -> any StateStore {
        try kind.make(directory).store
    }

    @Test(arguments: StoreKind.allCases)
    func aSecondApplierGetsAnErrorNamingTheHolder(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try store(kind, directory)
        try await store.lock(holder: "apply (pid 1 on a)", for: .seconds(60))
        try await store.lock(holder: "apply (pid 1 on a)", for: .seconds(60))
        do {
            try await store.lock(holder: "apply (pid 2 on b)", for: .seconds(60))
            Issue.record("the second applier got the lock")
        } catch {
            #expect(error.code == .locked)
            #expect(error.description.contains("locked by apply (pid 1 on a)"))
        }
        try await store.unlock(holder: "apply (pid 1 on a)")
        try await store.lock(holder: "apply (pid 2 on b)", for: .seconds(60))
    }

    @Test(arguments: StoreKind.allCases)
    func anExpiredLockCanBeTaken(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try store(kind, directory)
        try await store.lock(holder: "crashed", for: .milliseconds(1))
        try await Task.sleep(for: .milliseconds(20))
        try await store.lock(holder: "next", for: .seconds(60))
    }

    @Test(arguments: StoreKind.allCases)
    func intentsStayPendingUntilCompletedWithTheirResult(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try store(kind, directory)
        let id = ResourceID(.virtualMachine, "web-1")
        try await store.recordIntent(JournalEntry(key: "k1", resource: id, operation: .create, provider: "p", spec: .object([("cpu", .integer(2))])))
        try await store.recordIntent(JournalEntry(key: "k2", resource: id, operation: .update, provider: "p", providerID: "vm-1"))
        #expect(try await store.pendingIntents().map(\.key) == ["k1", "k2"])
        let serial = try await store.completeIntent(key: "k1", outcome: .succeeded, upserts: [RecordedResource(id: id, provider: "p", providerID: "vm-1", spec: .map([]))], removals: [])
        #expect(serial == 1)
        #expect(try await store.pendingIntents().map(\.key) == ["k2"])
        #expect(try await store.snapshot().resources.map(\.providerID) == ["vm-1"])
    }

    @Test(arguments: StoreKind.allCases)
    func providersAndHistoryAreKept(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try store(kind, directory)
        _ = try await store.commit(upserts: [], removals: [])
        try await store.recordProviders(["de-fra": .object([("type", .string("sim"))])])
        #expect(try await store.snapshot().providers["de-fra"]?["type"] == .string("sim"))
        let start = Date(timeIntervalSince1970: 1_000)
        try await store.appendHistory(ApplyRecord(startedAt: start, finishedAt: start, source: "a", summary: "s1", outcome: "succeeded"))
        try await store.appendHistory(ApplyRecord(startedAt: start, finishedAt: start, source: "b", summary: "s2", outcome: "failed"))
        #expect(try await store.history(limit: 1).map(\.source) == ["b"])
        #expect(try await store.history(limit: 10).map(\.source) == ["b", "a"])
    }

    @Test(arguments: StoreKind.allCases)
    func pruningForgetsOldCompletedIntentsAndOldHistoryOnly(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try store(kind, directory)
        let old = Date().addingTimeInterval(-30 * 24 * 3600)
        let id = ResourceID(.virtualMachine, "web-1")
        try await store.recordIntent(JournalEntry(key: "old-done", resource: id, operation: .create, provider: "p", recordedAt: old))
        _ = try await store.completeIntent(key: "old-done", outcome: .succeeded, upserts: [], removals: [])
        try await store.recordIntent(JournalEntry(key: "old-pending", resource: id, operation: .create, provider: "p", recordedAt: old))
        try await store.recordIntent(JournalEntry(key: "new-done", resource: id, operation: .delete, provider: "p"))
        _ = try await store.completeIntent(key: "new-done", outcome: .succeeded, upserts: [], removals: [])
        for index in 0..<5 {
            try await store.appendHistory(ApplyRecord(startedAt: Date(), finishedAt: Date(), source: "apply \(index)", summary: "", outcome: "succeeded"))
        }
        try await store.prune(intentsBefore: Date().addingTimeInterval(-7 * 24 * 3600), keptHistory: 2)
        #expect(try await store.pendingIntents().map(\.key) == ["old-pending"], "a pending intent is kept whatever its age")
        #expect(try await store.history(limit: 10).map(\.source) == ["apply 4", "apply 3"])
        #expect(try await store.journalPosition() == 3, "the journal position never moves back")
    }
}
