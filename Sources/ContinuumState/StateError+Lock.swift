extension StateError {
    /// The state is locked by another applier.
    public static func locked(by lock: StateLock, location: String) -> StateError {
        StateError(.locked, location: location, message: "the state is locked by \(lock)",
            remedy: "wait for that apply to finish; a lock whose holder died lapses at its expiry time, or run `continuum state unlock --force` if you know it is gone")
    }
}

extension Duration {
    /// The duration in seconds, as Foundation's `TimeInterval`.
    public var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
