import ContinuumSpec
import Synchronization

/// The cloud-init seeds whose removal failed after their machines were Ready nodes, by
/// provider and provider id: the cluster wrapper tries again when it next reads, adopts or
/// deletes the machine. Kept for the process (a controller's later refreshes use new
/// provider instances).
final class PendingSeedRemovals: Sendable {
    /// A seed still to remove.
    struct Seed: Sendable, Hashable {
        /// The machine's kind.
        var kind: ResourceKind
        /// Its name in the spec.
        var name: String
    }

    /// The process's pending removals.
    static let shared = PendingSeedRemovals()

    private let seeds = Mutex<[String: Seed]>([:])

    private static func key(_ provider: String, _ providerID: String) -> String { "\(provider)\u{0}\(providerID)" }

    /// Remembers that the seed of `providerID` is still to be removed.
    func add(provider: String, providerID: String, _ seed: Seed) {
        seeds.withLock { $0[Self.key(provider, providerID)] = seed }
    }

    /// The seed still to remove of `providerID`, if any.
    func seed(provider: String, providerID: String) -> Seed? {
        seeds.withLock { $0[Self.key(provider, providerID)] }
    }

    /// Forgets the seed of `providerID` (removed, or its machine gone).
    func remove(provider: String, providerID: String) {
        seeds.withLock { $0[Self.key(provider, providerID)] = nil }
    }
}
