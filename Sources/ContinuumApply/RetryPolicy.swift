import ContinuumProvider

/// How every provider call of an apply, a recovery or a refresh is tried: each attempt
/// waits for the provider's rate limiter and is bounded by a timeout; retryable errors are
/// tried again with exponential backoff and jitter, up to a number of attempts. A newer
/// commit that pre-empts the apply (`WaitCancellation`) ends the backoff and the retries:
/// the last error stands.
public struct RetryPolicy: Sendable {
    /// Attempts per call, the first included.
    public var maximumAttempts: Int
    /// The first retry's backoff; each further one doubles, with jitter.
    public var initialBackoff: Duration
    /// The longest backoff.
    public var maximumBackoff: Duration
    /// The longest one attempt may take before it counts as a retryable failure.
    public var attemptTimeout: Duration

    /// The policy of `options`.
    public init(_ options: ApplyOptions) {
        maximumAttempts = max(1, options.maximumAttempts)
        initialBackoff = options.initialBackoff
        maximumBackoff = options.maximumBackoff
        attemptTimeout = options.attemptTimeout
    }

    /// Calls `body` until it succeeds, fails with a non-retryable error, or runs out of
    /// attempts; `retrying` is told of each retry.
    /// `timed: false` leaves out the per-attempt timeout, for a local provider that cannot
    /// hang (the timeout's watchdog task costs more than a local read).
    func run<T: Sendable>(
        provider: String, limiter: RateLimiter? = nil, timed: Bool = true, retrying: (_ attempt: Int, _ error: ProviderError) -> Void = { _, _ in },
        _ body: @escaping @Sendable () async throws(ProviderError) -> T
    ) async throws(ProviderError) -> T {
        var attempt = 1
        var backoff = initialBackoff
        while true {
            await limiter?.acquire()
            do {
                return timed ? try await Timeout.run(attemptTimeout, provider: provider, body) : try await body()
            } catch where error.isRetryable && attempt < maximumAttempts && !Task.isCancelled && !(WaitCancellation.current?.isCancelled ?? false) {
                retrying(attempt, error)
                // A newer commit cuts the backoff short (and no attempt follows it).
                guard await WaitCancellation.sleep(for: backoff * Double.random(in: 0.5...1.0)) else { throw error }
                backoff = min(backoff * 2, maximumBackoff)
                attempt += 1
            }
        }
    }
}
