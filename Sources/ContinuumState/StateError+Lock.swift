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

extension Duration {
    /// The duration in seconds, as Foundation's `TimeInterval`.
    public var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
