@testable import ContinuumApply
import Testing

/// The per-provider rate limit spaces calls; asserted as a lower bound on elapsed time, which
/// no scheduling noise can break.
@Suite("Rate limiter")
struct RateLimiterTests {
    @Test func callsAreSpacedByTheRate() async {
        let limiter = RateLimiter(requestsPerSecond: 50)
        let start = ContinuousClock.now
        for _ in 0..<6 { await limiter.acquire() }
        #expect(ContinuousClock.now - start >= .milliseconds(100), "six calls at 50/s take at least five intervals of 20 ms")
    }
}
