/// Spaces calls to one provider to at most `requestsPerSecond`, in arrival order.
actor RateLimiter {
    private let interval: Duration
    private var next: ContinuousClock.Instant

    init(requestsPerSecond: Double) {
        interval = .nanoseconds(Int64(1e9 / max(requestsPerSecond, 0.001)))
        next = .now
    }

    /// Waits for this call's turn.
    func acquire() async {
        let now = ContinuousClock.now
        let turn = max(now, next)
        next = turn + interval
        if turn > now { try? await Task.sleep(until: turn, clock: .continuous) }
    }
}
