import ContinuumEngine
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// The one state lease of the CLI and the controller.
@Suite("State lease")
struct StateLeaseTests {
    /// The pid of a process that has exited.
    func deadProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func aLiveHolderIsNamedAndADeadOneOnThisHostIsTakenOver() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SQLiteStateStore(path: directory.url.appendingPathComponent("state.db").path)
        let host = StateLease.localHost
        try await store.lock(holder: "continuum apply (elsewhere)", for: .seconds(600), host: "other-host", processID: 1)
        let lease = StateLease(store: store, holder: "me", policy: LeasePolicy(duration: .seconds(30)))
        await #expect(throws: StateError.self) { try await lease.acquire() }

        try await store.unlock(holder: "continuum apply (elsewhere)")
        let dead = try deadProcessID()
        try await store.lock(holder: "continuum apply (dead)", for: .seconds(600), host: host, processID: dead)
        let previous = try await lease.acquire()
        #expect(previous?.holder == "continuum apply (dead)")
        #expect(try await store.currentLock()?.holder == "me")
        let lock = try #require(try await store.currentLock())
        #expect(lock.expiresAt.timeIntervalSince(lock.acquiredAt) <= 31, "one policy: the lease's duration")
        await lease.release()
        #expect(try await store.currentLock() == nil)
    }

    @Test func unlockReleasesOnlyALapsedOrDeadHolderUnlessForced() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SQLiteStateStore(path: directory.url.appendingPathComponent("state.db").path)
        #expect(try await StateLease.release(store, force: false) == nil)
        try await store.lock(holder: "continuum controller (other)", for: .seconds(600), host: "other-host", processID: 1)
        await #expect(throws: StateError.self) { try await StateLease.release(store, force: false) }
        #expect(try await StateLease.release(store, force: true)?.holder == "continuum controller (other)")
        try await store.lock(holder: "continuum apply (dead)", for: .seconds(600), host: StateLease.localHost, processID: try deadProcessID())
        #expect(try await StateLease.release(store, force: false)?.holder == "continuum apply (dead)")
    }

    @Test func aHolderPausedPastItsLeaseLearnsAtItsNextRenewalThatItIsFenced() async throws {
        let paused = InMemoryStateStore()
        let other = paused.connection()
        let lease = StateLease(store: paused, holder: "paused", policy: LeasePolicy(duration: .seconds(60), renewDeadline: .seconds(50), retryPeriod: .milliseconds(20)))
        // Taken for a moment only (as if paused past its lease), renewed under the policy.
        try await paused.lock(holder: "paused", for: .milliseconds(1))
        try await other.takeOver(holder: "next")
        let lost = AsyncStream<StateError>.makeStream()
        let error = await lease.renewing(onLost: { lost.continuation.yield($0) }) { () async -> StateError? in
            var iterator = lost.stream.makeAsyncIterator()
            return await iterator.next()
        }
        #expect(error?.code == .fenced)
        #expect(try await other.currentLock()?.holder == "next", "the renewal did not take the lease back")
    }

}
