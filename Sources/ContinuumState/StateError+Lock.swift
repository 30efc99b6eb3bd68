extension StateError {
    /// The state is locked by another applier.
    public static func locked(by lock: StateLock, location: String) -> StateError {
        StateError(.locked, location: location, message: "the state is locked by \(lock)",
            remedy: "wait for that apply to finish; a lock whose holder died lapses at its expiry time, or run `continuum state unlock --force` if you know it is gone")
    }

    /// A write under `fence` was refused: another holder took the lease over (or it was
    /// released by force) since this one took it.
    public static func fenced(_ fence: LeaseFence, current: StateLock?, location: String) -> StateError {
        let now = current.map { "it is now held by \($0.holder)\($0.generation.map { " (generation \($0))" } ?? "")" } ?? "it is now released"
        return StateError(.fenced, location: location,
            message: "the lease of \(fence.holder) (generation \(fence.generation)) was taken over; \(now); the write was refused",
            remedy: "this holder stops applying and steps down; the new holder recovers pending intents from the journal. If this keeps happening, lengthen the lease (--lock-lease) or find what pauses this process")
    }
}

extension StateError {
    /// `holder` could not renew `lease` for `deadline` seconds: it steps down.
    public static func renewDeadlineExceeded(holder: String, lease: String, deadline: Duration, last: StateError?) -> StateError {
        let why = last.map { "; the last attempt failed: \($0.message)" } ?? ""
        return StateError(.renewDeadlineExceeded, location: lease,
            message: "\(holder) could not renew its lease for \(deadline.timeInterval) s (the renew deadline)\(why)",
            remedy: "it starts no more operations and steps down; it takes the lease again when the store answers and the lease is free. If this keeps happening, check the store's reachability and load, or lengthen --lock-renew-deadline and --lock-lease")
    }
}

extension Duration {
    /// The duration in seconds, as Foundation's `TimeInterval`.
    public var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
