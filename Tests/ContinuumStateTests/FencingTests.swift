import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// Fencing: a holder whose lease another took over (it was paused past its expiry) can no
/// longer write, on every store alike.
@Suite("Lease fencing")
struct FencingTests {
    /// Every write of the contract, each made under the lease.
    enum Write: String, CaseIterable, CustomTestStringConvertible {
        case commit, recordIntent, completeIntent, recordProviders, appendHistory, appendEvents, prune
        var testDescription: String { rawValue }

        func run(on store: any StateStore) async throws(StateError) {
            let id = ResourceID(.virtualMachine, "web")
            switch self {
            case .commit: _ = try await store.commit(upserts: [RecordedResource(id: id, provider: "p", spec: .map([]))], removals: [])
            case .recordIntent: try await store.recordIntent(JournalEntry(key: "late", resource: id, operation: .create, provider: "p"))
            case .completeIntent: _ = try await store.completeIntent(key: "k", outcome: .succeeded, upserts: [], removals: [id])
            case .recordProviders: try await store.recordProviders(["p": .object([("type", .string("late"))])])
            case .appendHistory: try await store.appendHistory(ApplyRecord(startedAt: Date(), finishedAt: Date(), source: "late", summary: "", outcome: "succeeded"))
            case .appendEvents: try await store.appendEvents([ResourceEvent(resource: id, action: "created", source: "late")])
            case .prune: try await store.prune(intentsBefore: Date(), keptHistory: 0)
            }
        }
    }


    @Test(arguments: StoreKind.allCases, Write.allCases)
    func aHolderWhoseLeaseWasTakenOverCannotWrite(_ kind: StoreKind, _ write: Write) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        let paused = state.store, next = state.connect()
        try await paused.lock(holder: "paused", for: .milliseconds(1))
        try await paused.recordIntent(JournalEntry(key: "k", resource: ResourceID(.virtualMachine, "web"), operation: .create, provider: "p"))
        let before = try #require(try await paused.currentLock())
        try await next.takeOver(holder: "next")
        let serial = try await next.commit(upserts: [], removals: [])
        do {
            try await write.run(on: paused)
            Issue.record("the paused holder wrote after the takeover")
        } catch {
            #expect(error.code == .fenced)
            #expect(error.description.contains("taken over"))
            #expect(error.description.contains("held by next"))
            #expect(!error.description.contains("\n"))
        }
        let after = try #require(try await next.currentLock())
        #expect(after.holder == "next")
        #expect((after.generation ?? 0) > (before.generation ?? 0))
        let snapshot = try await next.snapshot()
        #expect(snapshot.serial == serial, "nothing of the paused holder was recorded")
        #expect(snapshot.resources.isEmpty)
        #expect(try await next.pendingIntents().map(\.key) == ["k"], "the journal is as the new holder left it")
        #expect(try await next.history(limit: 5).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func aPausedHolderCannotRenewEvenAfterTheNextOneReleasedTheLease(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        let paused = state.store, next = state.connect()
        try await paused.lock(holder: "paused", for: .milliseconds(1))
        try await next.takeOver(holder: "next")
        try await next.unlock(holder: "next")
        await #expect { try await paused.renewLock(holder: "paused", for: .seconds(60), host: nil, processID: nil) } throws: { error in
            (error as? StateError)?.code == .fenced
        }
        await #expect { _ = try await paused.commit(upserts: [], removals: []) } throws: { error in
            (error as? StateError)?.code == .fenced
        }
        try await paused.lock(holder: "paused", for: .seconds(60))
        #expect(try await paused.commit(upserts: [], removals: []) == 1, "taking the lease again (a new generation) makes its writes valid again")
    }

    @Test(arguments: StoreKind.allCases)
    func aLeaseReleasedByForceFencesItsHolder(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        try await state.store.lock(holder: "holder", for: .seconds(60))
        #expect(try await state.store.commit(upserts: [], removals: []) == 1)
        try await state.connect().unlock(holder: "holder")
        await #expect { _ = try await state.store.commit(upserts: [], removals: []) } throws: { error in
            (error as? StateError)?.code == .fenced
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aLapsedLeaseNobodyTookStillAdmitsItsHolder(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try kind.make(directory).store
        try await store.lock(holder: "slow", for: .milliseconds(1))
        while let held = try await store.currentLock(), held.expiresAt > Date() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(try await store.commit(upserts: [], removals: []) == 1)
        try await store.renewLock(holder: "slow", for: .seconds(60), host: nil, processID: nil)
    }

    @Test(arguments: StoreKind.allCases)
    func writesWithoutALeaseAreNotFenced(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        try await state.connect().lock(holder: "someone", for: .seconds(60))
        #expect(try await state.store.commit(upserts: [], removals: []) == 1, "a store that took no lease writes as before (state commands)")
    }
}
