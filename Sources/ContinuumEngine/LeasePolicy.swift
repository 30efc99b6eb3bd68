import ContinuumSpec

/// How long a lease lasts, how long its holder keeps working without renewing it, and how
/// often it renews (and a non-holder tries to take it): controller-runtime's leader-election
/// timing, one policy for the CLI, the controller's state lease and its shard leases.
///
/// The holder renews every `retryPeriod`. When it has not managed to renew for
/// `renewDeadline` (the store does not answer, or the renewal was held up), it gives up: it
/// starts no more operations and steps down, before the lease can lapse under it at
/// `duration`. A holder that dies without releasing blocks others for at most `duration`;
/// one on the same host whose process is gone is taken over at once.
public struct LeasePolicy: Sendable, Hashable {
    /// How long the lease lasts unless renewed (default 15 s).
    public var duration: Duration
    /// How long the holder works on without a successful renewal before it steps down
    /// (default 10 s; shorter than `duration`).
    public var renewDeadline: Duration
    /// How often the holder renews and a non-holder tries to take the lease (default 2 s;
    /// shorter than `renewDeadline`).
    public var retryPeriod: Duration

    /// Creates a policy. Left out, `renewDeadline` is two thirds of `duration` and
    /// `retryPeriod` two fifteenths of it: 15 s, 10 s and 2 s by default, as controller-runtime.
    public init(duration: Duration = .seconds(15), renewDeadline: Duration? = nil, retryPeriod: Duration? = nil) {
        self.duration = duration
        self.renewDeadline = renewDeadline ?? duration * 2 / 3
        self.retryPeriod = retryPeriod ?? duration * 2 / 15
    }

    /// Checks that retry period < renew deadline < duration, all above zero.
    /// - Throws: `LeasePolicyError` naming the values and the options that set them.
    public func validate() throws(LeasePolicyError) {
        guard retryPeriod > .zero, renewDeadline > retryPeriod, duration > renewDeadline else {
            throw LeasePolicyError(policy: self)
        }
    }
}

/// A lease timing that cannot work: the holder must renew (retry period) several times
/// before it gives up (renew deadline), and give up before the lease lapses (duration).
public struct LeasePolicyError: Error, Sendable, CustomStringConvertible {
    /// The policy refused.
    public var policy: LeasePolicy

    public var description: String {
        "the lease timing --lock-renew \(DurationText.format(policy.retryPeriod)) < --lock-renew-deadline \(DurationText.format(policy.renewDeadline))"
            + " < --lock-lease \(DurationText.format(policy.duration)) does not hold; the holder renews every --lock-renew, steps down when it could not"
            + " renew for --lock-renew-deadline, and the lease lapses after --lock-lease: give them in that order, like 2s, 10s, 15s"
    }
}
