import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// Named leases (shards, replicas' membership) and writes fenced by a shard's lease, on
/// every store alike.
@Suite("Shard leases")
struct ShardLeaseTests {
    @Test(arguments: StoreKind.allCases)
    func aNamedLeaseIsTakenRenewedRefusedTakenOverAndReleasedWithItsGeneration(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        let a = state.store, b = state.connect()
        let first = try await a.takeLease("shard/x", holder: "a", for: .milliseconds(1), renewing: nil)
        #expect(first.generation == 1)
        #expect(try await b.takeLease("shard/y", holder: "b", for: .seconds(60), renewing: nil).generation == 1, "another shard is free")
        let taken = try await b.takeOver("shard/x", holder: "b")
        #expect(taken.generation == 2, "a takeover moves the generation")
        await #expect { _ = try await a.takeLease("shard/x", holder: "a", for: .seconds(60), renewing: first) } throws: { error in
            (error as? StateError)?.code == .fenced
        }
        await #expect { _ = try await a.takeLease("shard/x", holder: "a", for: .seconds(60), renewing: nil) } throws: { error in
            (error as? StateError)?.code == .locked && "\(error)".contains("shard/x")
        }
        let renewed = try await b.takeLease("shard/x", holder: "b", for: .seconds(60), renewing: taken)
        #expect(renewed == taken, "a renewal keeps the generation")
        try await b.releaseLease("shard/x", holder: "b")
        try await a.releaseLease("shard/y", holder: "a")  // not a's: nothing happens
        let leases = Dictionary(uniqueKeysWithValues: try await a.leases().map { ($0.name, $0) })
        #expect(leases["shard/x"]?.lock == nil)
        #expect(leases["shard/x"]?.generation == 2, "a release keeps the generation")
        #expect(leases["shard/y"]?.lock?.holder == "b")
        #expect(try await a.takeLease("shard/x", holder: "a", for: .seconds(60), renewing: nil).generation == 3)
        #expect(try await a.currentLock() == nil, "named leases are not the state lease")
    }

    /// Every write of the contract, made in a shard's scope by a holder whose shard was
    /// taken over, is refused; the new holder's writes and writes of other shards go on.
    @Test(arguments: StoreKind.allCases, FencingTests.Write.allCases)
    func aWriteUnderAShardWhoseLeaseWasTakenOverIsRefused(_ kind: StoreKind, _ write: FencingTests.Write) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        let paused = state.store, next = state.connect()
        let stale = try await paused.takeLease("shard/x", holder: "paused", for: .milliseconds(1), renewing: nil)
        let other = try await paused.takeLease("shard/y", holder: "paused", for: .seconds(60), renewing: nil)
        try await paused.recordIntent(JournalEntry(key: "k", resource: ResourceID(.virtualMachine, "web"), operation: .create, provider: "p"))
        let fresh = try await next.takeOver("shard/x", holder: "next")
        let serial = try await next.commit(upserts: [], removals: [])
        do {
            try await LeaseScope.$current.withValue(ScopedFence(lease: "shard/x", fence: stale)) { try await write.run(on: paused) }
            Issue.record("the paused holder wrote under a shard taken over")
        } catch let error as StateError {
            #expect(error.code == .fenced)
            #expect(error.description.contains("shard/x"))
            #expect(error.description.contains("held by next"))
        }
        #expect(try await next.snapshot().serial == serial, "nothing was recorded")
        try await LeaseScope.$current.withValue(ScopedFence(lease: "shard/y", fence: other)) {
            _ = try await paused.commit(upserts: [], removals: [])
        }
        try await LeaseScope.$current.withValue(ScopedFence(lease: "shard/x", fence: fresh)) {
            _ = try await next.commit(upserts: [], removals: [])
        }
        #expect(try await next.snapshot().serial == serial + 2, "the other shard's holder and the new holder write")
    }

    /// A replica's own records (history, events, the pruning) are fenced by every shard it
    /// held at once: once any of them was taken over, nothing is written; the membership
    /// fences them when it held none, and a membership that is gone refuses them.
    @Test(arguments: StoreKind.allCases, [FencingTests.Write.appendHistory, .appendEvents, .recordProviders, .prune])
    func aWriteUnderEveryShardHeldIsRefusedWhenAnyOfThemWasTakenOver(_ kind: StoreKind, _ write: FencingTests.Write) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        let paused = state.store, next = state.connect()
        let kept = try await paused.takeLease("shard/a", holder: "paused", for: .seconds(60), renewing: nil)
        let stale = try await paused.takeLease("shard/b", holder: "paused", for: .milliseconds(1), renewing: nil)
        let member = try await paused.takeLease("member/paused", holder: "paused", for: .seconds(60), renewing: nil)
        try await paused.recordIntent(JournalEntry(key: "k", resource: ResourceID(.virtualMachine, "web"), operation: .create, provider: "p"))
        // Both shards still its own (b lapsed, nobody took it): the write goes ahead.
        try await LeaseScope.$current.withValue(ScopedFence(fences: ["shard/a": kept, "shard/b": stale])) { try await write.run(on: paused) }
        try await next.takeOver("shard/b", holder: "next")
        let history = try await next.history(limit: 10).count
        do {
            try await LeaseScope.$current.withValue(ScopedFence(fences: ["shard/a": kept, "shard/b": stale])) { try await write.run(on: paused) }
            Issue.record("the paused holder wrote although one of its shards was taken over")
        } catch let error as StateError {
            #expect(error.code == .fenced)
            #expect(error.description.contains("shard/b") && error.description.contains("held by next"))
        }
        #expect(try await next.history(limit: 10).count == history, "nothing was recorded")
        try await LeaseScope.$current.withValue(ScopedFence(lease: "member/paused", fence: member)) { try await write.run(on: paused) }
        try await paused.releaseLease("member/paused", holder: "paused")
        await #expect {
            try await LeaseScope.$current.withValue(ScopedFence(lease: "member/paused", fence: member)) { try await write.run(on: paused) }
        } throws: { error in
            (error as? StateError)?.code == .fenced
        }
    }

    /// Memberships of replicas that are gone are removed: released ones, and those lapsed
    /// longer ago than asked; a held one never (a replica that came back keeps its row), nor
    /// another prefix's; a replica that comes back after the removal announces itself anew.
    @Test(arguments: StoreKind.allCases)
    func lapsedAndReleasedMembershipsAreRemovedAndAHeldOneIsKept(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        let store = state.store, other = state.connect()
        _ = try await store.takeLease("member/gone", holder: "gone", for: .milliseconds(1), renewing: nil)
        _ = try await store.takeLease("member/back", holder: "back", for: .milliseconds(1), renewing: nil)
        _ = try await store.takeLease("member/alive", holder: "alive", for: .seconds(600), renewing: nil)
        _ = try await store.takeLease("member/stopped", holder: "stopped", for: .seconds(600), renewing: nil)
        try await store.releaseLease("member/stopped", holder: "stopped")
        _ = try await store.takeLease("shard/x", holder: "gone", for: .milliseconds(1), renewing: nil)
        try await store.releaseLease("shard/x", holder: "gone")
        // Lapsed only just: kept for an hour; the released one goes at once.
        #expect(try await other.removeLapsedLeases(prefix: "member/", lapsedFor: .seconds(3600)) == ["member/stopped"])
        // `back` comes back (announces itself again) before the removal.
        try await other.takeOver("member/back", holder: "back", for: .seconds(600))
        var removed: [String] = []
        for _ in 0..<12_000 where !removed.contains("member/gone") {
            removed += try await other.removeLapsedLeases(prefix: "member/", lapsedFor: .zero)
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(removed == ["member/gone"], "held ones are kept")
        let names = try await store.leases().map(\.name)
        #expect(names == ["member/alive", "member/back", "shard/x"], "a shard's row (its generation) stays")
        #expect(try await store.takeLease("member/gone", holder: "gone", for: .seconds(60), renewing: nil).generation == 1, "it announces itself anew")
    }
}
