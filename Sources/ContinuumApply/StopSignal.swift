import Synchronization

/// Set when the apply should stop starting new operations (SIGINT, SIGTERM); operations
/// in flight finish and are recorded.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Creates an unset signal.
    public init() {}

    /// Asks the apply to stop.
    public func stop() { flag.store(true, ordering: .relaxed) }

    /// Whether a stop was asked for.
    public var isStopped: Bool { flag.load(ordering: .relaxed) }
}
