import Foundation

/// The lease a store took for a holder, as the fencing token its writes carry: every write
/// through that store checks, in its own transaction, that the lease still has this holder
/// and generation, and fails with `StateError.Code.fenced` once another holder took over.
public struct LeaseFence: Sendable, Hashable {
    /// The holder that took the lease.
    public var holder: String
    /// The lease's generation when it was taken.
    public var generation: Int64

    /// Creates a fence.
    public init(holder: String, generation: Int64) {
        self.holder = holder
        self.generation = generation
    }

    /// Whether a write under this fence may go ahead while the stored lease has `current`
    /// holder and `currentGeneration` (nil when released): only when neither moved. A lease that
    /// lapsed without anyone taking it still admits its holder's writes.
    public func admits(holder current: String?, generation currentGeneration: Int64?) -> Bool {
        current == holder && currentGeneration == generation
    }

    /// What `lock` does when the stored lease is `held` (nil when none) at `now`.
    public enum Decision: Sendable, Hashable {
        /// Another holder holds it (this lock) and it has not lapsed.
        case refuse(StateLock)
        /// The same holder renews: the acquisition time and the generation stay.
        case renew
        /// A new holder takes it: the generation moves to the next one.
        case takeOver
    }

    /// Decides what taking the lease for `holder` does, given the stored lease.
    public static func decide(holder: String, held: StateLock?, now: Double) -> Decision {
        guard let held else { return .takeOver }
        if held.holder == holder { return .renew }
        return held.expiresAt.timeIntervalSince1970 > now ? .refuse(held) : .takeOver
    }
}
