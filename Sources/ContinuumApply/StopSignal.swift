import Synchronization

/// Set when the apply should stop starting new operations (SIGINT, SIGTERM); operations
/// in flight finish and are recorded.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    private let parent: StopSignal?

    /// Creates an unset signal.
    public init() {
        parent = nil
    }

    /// A signal that is also stopped whenever `parent` is: one apply's stop, which the
    /// process's shutdown stops too.
    public init(parent: StopSignal) {
        self.parent = parent
    }

    /// Asks the apply to stop.
    public func stop() { flag.store(true, ordering: .relaxed) }

    /// Whether a stop was asked for.
    public var isStopped: Bool { flag.load(ordering: .relaxed) || (parent?.isStopped ?? false) }
}
