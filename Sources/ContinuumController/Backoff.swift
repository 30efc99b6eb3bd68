/// Exponential backoff for failed reconciles: the interval doubles with each consecutive
/// failure, from `initial` up to `maximum`, and resets on success.
struct Backoff: Sendable {
    /// The first delay after a failure.
    var initial: Duration
    /// The longest delay.
    var maximum: Duration
    /// Consecutive failures so far.
    private(set) var failures = 0

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The delay before the next attempt: nil when the last attempt succeeded.
    var delay: Duration? {
        guard failures > 0 else { return nil }
        var delay = initial
        for _ in 1..<min(failures, 32) where delay < maximum { delay *= 2 }
        return min(delay, maximum)
    }

    mutating func fail() { failures += 1 }
    mutating func succeed() { failures = 0 }
}
