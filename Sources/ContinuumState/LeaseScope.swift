/// A fence on named leases (a shard's, or all the shards a replica held): writes made in
/// its scope are checked against every one of those leases, in their own transaction, and
/// refused with `StateError.Code.fenced` once another holder took one over.
public struct ScopedFence: Sendable, Hashable {
    /// The leases' names (`shard/NAME`, `member/HOLDER`) and the holder and generation the
    /// writes are made under, for each.
    public var fences: [String: LeaseFence]

    /// A fence on one lease.
    public init(lease: String, fence: LeaseFence) {
        fences = [lease: fence]
    }

    /// A fence on every lease of `fences` at once.
    public init(fences: [String: LeaseFence]) {
        self.fences = fences
    }

    /// Checks each lease with `stored` (which reads a lease's row in the write's
    /// transaction), in name order.
    /// - Throws: `.fenced` naming the first lease that moved; what `stored` throws.
    public func check(location: String, stored: (String) async throws -> NamedLease?) async throws {
        for (name, fence) in fences.sorted(by: { $0.key < $1.key }) {
            try NamedLease.check(name, fence, against: try await stored(name), location: location)
        }
    }

    /// `check` for a store that reads synchronously.
    public func check(location: String, stored: (String) throws -> NamedLease?) throws {
        for (name, fence) in fences.sorted(by: { $0.key < $1.key }) {
            try NamedLease.check(name, fence, against: try stored(name), location: location)
        }
    }
}

/// The named leases that the state writes of the current task are made under: every store
/// checks them, besides the state lease it took, in the same transaction as the write. The
/// executor binds a shard's around each operation of that shard, so an operation's intent
/// and its completion are fenced by that shard's generation, whichever task makes them.
public enum LeaseScope {
    /// The fence of the writes made by this task (and its child tasks); nil outside a shard.
    @TaskLocal public static var current: ScopedFence?

    /// Runs the state writes of `body` under `fence` (none when nil).
    public static func writing<T: Sendable>(under fence: ScopedFence?, _ body: () async throws(StateError) -> T) async throws(StateError) -> T {
        let result: Result<T, StateError> = await $current.withValue(fence) {
            do throws(StateError) {
                return .success(try await body())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
