import Synchronization

/// Remembers which keys were seen: `first` is true once per key (a warning said once per
/// cluster).
final class OnceEach: Sendable {
    private let seen = Mutex<Set<String>>([])

    /// Whether this is the first time `key` is asked about.
    func first(_ key: String) -> Bool {
        seen.withLock { $0.insert(key).inserted }
    }
}
