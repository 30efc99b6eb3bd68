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
    /// The replica's membership lease (`member/HOLDER`) and its fence, when announced.
    public var membership: ScopedFence?

    /// Creates an ownership.
    public init(map: ShardMap, held: [String: LeaseFence], membership: ScopedFence? = nil) {
        self.map = map
        self.held = held
        self.membership = membership
    }

    /// The fence of this replica's own records of a reconcile (its history, the pruning of
    /// its journal): every shard it held for the reconcile, so that a replica that lost
    /// one (paused past its lease) records nothing more; its membership when it held none.
    public var replicaFence: ScopedFence {
        guard !held.isEmpty else { return membership ?? ScopedFence(fences: [:]) }
        return ScopedFence(fences: Dictionary(uniqueKeysWithValues: held.map { (ShardMap.leaseName($0.key), $0.value) }))
    }

    /// `byProvider` split by shard: each held shard's part with its fence; the parts of
    /// shards not held are left out (their holders write them).
    public func split<Value>(_ byProvider: [String: Value]) -> [(fence: ScopedFence, values: [String: Value])] {
        var parts: [String: [String: Value]] = [:]
        for (provider, value) in byProvider where owns(provider: provider) { parts[map.shard(of: provider), default: [:]][provider] = value }
        return parts.sorted { $0.key < $1.key }.compactMap { shard, values in
            held[shard].map { (ScopedFence(lease: ShardMap.leaseName(shard), fence: $0), values) }
        }
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
