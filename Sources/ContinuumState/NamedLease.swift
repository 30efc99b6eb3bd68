import Foundation

/// A lease beside the state lease, by name: a shard of the fleet (`shard/NAME`) or a
/// replica's membership (`member/HOLDER`). Like the state lease it has a holder, an expiry
/// and a generation that moves on every takeover (the fencing token of writes made under it).
public struct NamedLease: Sendable, Hashable, Codable {
    /// The lease's name.
    public var name: String
    /// Who holds it and until when; nil when released (its generation stays).
    public var lock: StateLock?
    /// Its generation: it increases every time another holder takes it.
    public var generation: Int64

    /// Creates a lease record.
    public init(name: String, lock: StateLock?, generation: Int64) {
        self.name = name
        self.lock = lock
        self.generation = generation
    }

    /// Whether someone holds it and its expiry is after `now` (seconds since 1970).
    public func isHeld(at now: Double) -> Bool {
        guard let lock else { return false }
        return lock.expiresAt.timeIntervalSince1970 > now
    }
}

extension NamedLease {
    /// What taking the lease `stored` (nil when never taken) for `holder` at `now` makes
    /// of it, with the same rules as the state lease (`LeaseFence.decide`): every store
    /// reads the row, calls this and writes the result back in one transaction.
    /// - Throws: `.fenced` when `fence` is given and the lease moved since; `.locked` while
    ///   another holder holds it.
    public static func taking(
        _ stored: NamedLease?, name: String, holder: String, for duration: Duration, renewing fence: LeaseFence?, now: Double, location: String
    ) throws(StateError) -> NamedLease {
        let current = stored ?? NamedLease(name: name, lock: nil, generation: 0)
        if let fence, !fence.admits(holder: current.lock?.holder, generation: current.lock == nil ? nil : current.generation) {
            throw StateError.fenced(fence, current: current.lock, location: "\(location), lease \(name)")
        }
        var since = now
        var generation = current.generation
        switch LeaseFence.decide(holder: holder, held: current.lock, now: now) {
        case .refuse(let held): throw StateError.locked(by: held, location: "\(location), lease \(name)")
        case .renew: since = current.lock?.acquiredAt.timeIntervalSince1970 ?? now
        case .takeOver: generation += 1
        }
        let lock = StateLock(
            holder: holder, acquiredAt: Date(timeIntervalSince1970: since), expiresAt: Date(timeIntervalSince1970: now + duration.timeInterval),
            generation: generation)
        return NamedLease(name: name, lock: lock, generation: generation)
    }

    /// Whether a write under `fence` on the lease `name` may go ahead while the lease is
    /// `stored`; throws `.fenced` if not.
    public static func check(_ name: String, _ fence: LeaseFence, against stored: NamedLease?, location: String) throws(StateError) {
        let lock = stored?.lock
        guard fence.admits(holder: lock?.holder, generation: lock == nil ? nil : stored?.generation) else {
            throw StateError.fenced(fence, current: lock, location: "\(location), lease \(name)")
        }
    }
}
