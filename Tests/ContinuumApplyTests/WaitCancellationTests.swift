@testable import ContinuumApply
@testable import ContinuumProvider
import Synchronization
import Testing

/// Waits a newer commit cuts short: readiness polls and retries' backoff return at once
/// when cancelled, whenever the cancellation comes; other waits pass in full.
@Suite("Wait cancellation")
struct WaitCancellationTests {
    @Test func aWaitPassesInFullWhenNothingCutsIt() async {
        #expect(await WaitCancellation().sleep(for: .milliseconds(5)))
        #expect(await WaitCancellation.sleep(for: .milliseconds(5)), "without a current cancellation it is a plain sleep")
    }

    @Test func aCancellationBeforeTheWaitEndsItAtOnce() async {
        let waits = WaitCancellation()
        waits.cancel(reason: "commit abc is newer")
        #expect(await waits.sleep(for: .seconds(86_400)) == false)
        #expect(waits.reason == "commit abc is newer")
        waits.cancel(reason: "a second reason is ignored")
        #expect(waits.reason == "commit abc is newer")
    }

    @Test func aCancellationDuringTheWaitEndsIt() async throws {
        let waits = WaitCancellation()
        let waiting = Task { await WaitCancellation.$current.withValue(waits) { await WaitCancellation.sleep(for: .seconds(86_400)) } }
        try await Self.waitUntil(waits, has: 1)
        waits.cancel(reason: "newer")
        #expect(await waiting.value == false)
        #expect(waits.waiting == 0)
    }

    @Test func manyWaitersAreAllReleased() async throws {
        let waits = WaitCancellation()
        let sleepers = (0..<50).map { _ in Task { await waits.sleep(for: .seconds(86_400)) } }
        try await Self.waitUntil(waits, has: 50)
        waits.cancel(reason: "newer")
        for sleeper in sleepers { #expect(await sleeper.value == false) }
        #expect(waits.waiting == 0)
    }

    /// Waits until `count` waits are registered (a safety net of 120 s, never a bound).
    static func waitUntil(_ waits: WaitCancellation, has count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while waits.waiting < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(waits.waiting == count)
    }

    @Test func theTasksCancellationEndsTheWaitToo() async {
        let waits = WaitCancellation()
        let waiting = Task { await waits.sleep(for: .seconds(86_400)) }
        waiting.cancel()
        #expect(await waiting.value == false)
        #expect(waits.isCancelled == false)
    }

    @Test func aCancelledBackoffEndsTheRetriesWithTheLastError() async throws {
        var options = ApplyOptions()
        options.maximumAttempts = 5
        options.initialBackoff = .seconds(86_400)
        options.maximumBackoff = .seconds(86_400)
        let policy = RetryPolicy(options)
        let waits = WaitCancellation()
        let calls = Atomic<Int>(0)
        let result: Result<Int, ProviderError> = await WaitCancellation.$current.withValue(waits) {
            do throws(ProviderError) {
                return .success(try await policy.run(provider: "p", timed: false, retrying: { _, _ in waits.cancel(reason: "newer") }) { () throws(ProviderError) -> Int in
                    calls.add(1, ordering: .relaxed)
                    throw ProviderError(.transient, provider: "p", message: "busy", remedy: "retry")
                })
            } catch {
                return .failure(error)
            }
        }
        guard case .failure(let error) = result else {
            Issue.record("the call succeeded")
            return
        }
        #expect(error.message == "busy")
        #expect(calls.load(ordering: .relaxed) == 1, "no attempt followed the cut backoff")
    }

    @Test func noRetryStartsOnceCancelled() async throws {
        let policy = RetryPolicy(ApplyOptions(initialBackoff: .milliseconds(1)))
        let waits = WaitCancellation()
        waits.cancel(reason: "newer")
        let calls = Atomic<Int>(0)
        await WaitCancellation.$current.withValue(waits) {
            _ = try? await policy.run(provider: "p", timed: false) { () throws(ProviderError) -> Int in
                calls.add(1, ordering: .relaxed)
                throw ProviderError(.transient, provider: "p", message: "busy", remedy: "retry")
            }
        }
        #expect(calls.load(ordering: .relaxed) == 1)
    }
}
