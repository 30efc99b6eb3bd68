/// A fence on a named lease (a shard's): writes made in its scope are checked against that
/// lease, in their own transaction, and refused with `StateError.Code.fenced` once another
/// holder took it over.
public struct ScopedFence: Sendable, Hashable {
    /// The lease's name (`shard/NAME`).
    public var lease: String
    /// The holder and generation the writes are made under.
    public var fence: LeaseFence

    /// Creates a scoped fence.
    public init(lease: String, fence: LeaseFence) {
        self.lease = lease
        self.fence = fence
    }
}

/// The named lease that the state writes of the current task are made under: every store
/// checks it, besides the state lease it took, in the same transaction as the write. The
/// executor binds it around each operation of a shard, so an operation's intent and its
/// completion are fenced by that shard's generation, whichever task makes them.
public enum LeaseScope {
    /// The fence of the writes made by this task (and its child tasks); nil outside a shard.
    @TaskLocal public static var current: ScopedFence?
}
