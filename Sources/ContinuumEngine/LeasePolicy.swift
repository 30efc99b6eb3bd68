/// How long the state lease lasts and how often its holder renews it: one policy for the
/// CLI and the controller. A holder that dies without releasing it blocks others for at
/// most `duration`; one on the same host whose process is gone is taken over at once.
public struct LeasePolicy: Sendable, Hashable {
    /// How long the lease lasts unless renewed (default 60 s).
    public var duration: Duration
    /// How often a holder renews it (default a third of the duration).
    public var renewInterval: Duration

    /// Creates a policy; `renewInterval` defaults to a third of `duration`.
    public init(duration: Duration = .seconds(60), renewInterval: Duration? = nil) {
        self.duration = duration
        self.renewInterval = renewInterval ?? duration / 3
    }
}
