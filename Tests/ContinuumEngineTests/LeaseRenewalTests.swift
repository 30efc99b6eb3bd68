@testable import ContinuumEngine
import ContinuumState
import ContinuumTesting
import Foundation
import Synchronization
import Testing

/// controller-runtime's lease timing: renew every retry period, give up after the renew
/// deadline without a renewal, before the lease lapses.
@Suite("Lease renewal")
struct LeaseRenewalTests {
    @Test func theDefaultsAreControllerRuntimesAndADurationAloneKeepsTheirRatios() throws {
        let defaults = LeasePolicy()
        #expect(defaults.duration == .seconds(15) && defaults.renewDeadline == .seconds(10) && defaults.retryPeriod == .seconds(2))
        let minute = LeasePolicy(duration: .seconds(60))
        #expect(minute.renewDeadline == .seconds(40) && minute.retryPeriod == .seconds(8))
        try defaults.validate()
        try minute.validate()
    }

    @Test(arguments: [
        (Duration.seconds(15), Duration.seconds(15), Duration.seconds(2)),
        (.seconds(15), .seconds(20), .seconds(2)),
        (.seconds(15), .seconds(10), .seconds(10)),
        (.seconds(15), .seconds(10), .seconds(12)),
        (.seconds(15), .seconds(10), .zero),
    ])
    func aTimingOutOfOrderIsRefusedNamingTheOptions(duration: Duration, deadline: Duration, retry: Duration) {
        let policy = LeasePolicy(duration: duration, renewDeadline: deadline, retryPeriod: retry)
        #expect {
            try policy.validate()
        } throws: { error in
            "\(error)".contains("--lock-renew") && "\(error)".contains("--lock-renew-deadline") && "\(error)".contains("--lock-lease")
        }
    }

    static let short = LeasePolicy(duration: .seconds(3), renewDeadline: .seconds(2), retryPeriod: .milliseconds(500))

    @Test func aHolderWhoseStoreStopsAnsweringGivesUpAtTheRenewDeadline() async throws {
        let store = InMemoryStateStore()
        let severed = SeveredStateStore(store)
        let lease = StateLease(store: severed, holder: "me", policy: Self.short)
        try await lease.acquire()
        severed.sever()
        let lost = AsyncStream<StateError>.makeStream()
        let error = await lease.renewing(onLost: { lost.continuation.yield($0) }) { () async -> StateError? in
            var iterator = lost.stream.makeAsyncIterator()
            return await iterator.next()
        }
        #expect(error?.code == .renewDeadlineExceeded)
        #expect("\(error.map { "\($0)" } ?? "")".contains("the database does not answer"), "it says what the last renewal met")
        #expect(severed.refusedCalls >= 1, "it tried to renew before giving up")
        #expect(try await store.currentLock()?.holder == "me", "nobody took it: the holder gave up before it lapsed")
    }

    @Test func aRenewalThatHangsDoesNotHoldTheDeadlineUp() async throws {
        let lost = AsyncStream<StateError>.makeStream()
        let renewal = LeaseRenewal.start(policy: Self.short, renewedAt: .now, lease: "shard/x", holder: "me", renew: {
            try? await Task.sleep(for: .seconds(3600))  // a store that never answers (until cancelled)
            return .renewed
        }, onLost: { lost.continuation.yield($0) })
        defer { renewal.cancel() }
        var iterator = lost.stream.makeAsyncIterator()
        let error = await iterator.next()
        #expect(error?.code == .renewDeadlineExceeded)
        #expect(renewal.loss?.code == .renewDeadlineExceeded)
    }

    @Test func renewalsThatSucceedKeepTheDeadlineAway() async throws {
        // Renewals every 20 ms with a 3 s deadline: after 200 of them (over 4 s) the lease is
        // still held, and nothing was reported lost.
        let policy = LeasePolicy(duration: .seconds(60), renewDeadline: .seconds(3), retryPeriod: .milliseconds(20))
        let renewals = AsyncStream<Int>.makeStream()
        let count = Atomic<Int>(0)
        let lostCount = Atomic<Int>(0)
        let renewal = LeaseRenewal.start(policy: policy, renewedAt: .now, lease: "shard/x", holder: "me", renew: {
            renewals.continuation.yield(count.add(1, ordering: .relaxed).newValue)
            return .renewed
        }, onLost: { _ in lostCount.add(1, ordering: .relaxed) })
        defer { renewal.cancel() }
        for await done in renewals.stream where done >= 200 { break }
        #expect(renewal.loss == nil)
        #expect(lostCount.load(ordering: .relaxed) == 0)
    }

    @Test func aLeaseTakenOverIsReportedWithoutWaitingForTheDeadline() async throws {
        let calls = Atomic<Int>(0)
        let lost = AsyncStream<StateError>.makeStream()
        let taken = StateError(.fenced, location: "test", message: "taken", remedy: "none")
        let renewal = LeaseRenewal.start(policy: Self.short, renewedAt: .now, lease: "shard/x", holder: "me", renew: {
            calls.add(1, ordering: .relaxed)
            return .lost(taken)
        }, onLost: { lost.continuation.yield($0) })
        defer { renewal.cancel() }
        var iterator = lost.stream.makeAsyncIterator()
        #expect(await iterator.next()?.code == .fenced)
        #expect(renewal.loss?.code == .fenced)
    }
}
