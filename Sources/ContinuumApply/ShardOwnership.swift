public import ContinuumState

/// The shards a replica holds for one reconcile, with each one's lease fence: recovery,
/// refresh and the executor act only on resources and steps of these shards, and every
/// state write they make for a shard is fenced by that shard's lease generation
/// (`LeaseScope`). Other shards' steps are left to their holders; what depends on them waits.
public struct ShardOwnership: Sendable, Hashable {
    /// How providers map to shards.
    public var map: ShardMap
    /// The shards held, with the fence their writes carry.
    public var held: [String: LeaseFence]

    /// Creates an ownership.
    public init(map: ShardMap, held: [String: LeaseFence]) {
        self.map = map
        self.held = held
    }

    /// Whether operations through `provider` are this replica's.
    public func owns(provider: String) -> Bool {
        held[map.shard(of: provider)] != nil
    }

    /// The fence of writes for `provider`'s shard, nil when it is not held.
    public func fence(provider: String) -> ScopedFence? {
        let shard = map.shard(of: provider)
        return held[shard].map { ScopedFence(lease: ShardMap.leaseName(shard), fence: $0) }
    }
}

extension Optional where Wrapped == ShardOwnership {
    /// Whether `provider`'s operations are this replica's: all are when not sharded.
    func owns(provider: String) -> Bool {
        self?.owns(provider: provider) ?? true
    }

    /// Runs `body` with the state writes it makes fenced by `provider`'s shard, if sharded.
    func scoped<T: Sendable>(provider: String, _ body: () async throws -> T) async rethrows -> T {
        try await LeaseScope.$current.withValue(self?.fence(provider: provider)) { try await body() }
    }
}
