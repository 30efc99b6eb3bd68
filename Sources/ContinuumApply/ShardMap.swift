/// How the fleet is split into shards that replicas hold by lease: a shard per provider
/// (the default), or the providers grouped into a fixed number of shards by a stable hash
/// of their names (the same on every replica and every run).
public struct ShardMap: Sendable, Hashable {
    /// How providers are grouped.
    public enum Grouping: Sendable, Hashable {
        /// Each provider is a shard, named after it.
        case perProvider
        /// Providers are grouped into this many shards, `shard-0`…, by a stable hash.
        case hashed(Int)
    }

    /// How providers are grouped.
    public var grouping: Grouping

    /// Creates a map.
    public init(_ grouping: Grouping = .perProvider) {
        self.grouping = grouping
    }

    /// The shard that applies the operations of `provider`.
    public func shard(of provider: String) -> String {
        switch grouping {
        case .perProvider: provider
        case .hashed(let count): "shard-\(Self.stableHash(provider) % UInt64(max(1, count)))"
        }
    }

    /// The shards of `providers`: every group's when hashed (so that their number does not
    /// move with the specs), else each provider's.
    public func shards(of providers: some Sequence<String>) -> [String] {
        switch grouping {
        case .perProvider: Set(providers).sorted()
        case .hashed(let count): (0..<max(1, count)).map { "shard-\($0)" }
        }
    }

    /// The name of a shard's lease in the state store.
    public static func leaseName(_ shard: String) -> String { "shard/\(shard)" }

    /// The shard a lease name stands for, nil for other leases.
    public static func shard(ofLease name: String) -> String? {
        name.hasPrefix("shard/") ? String(name.dropFirst("shard/".count)) : nil
    }

    /// FNV-1a over the UTF-8 bytes: stable across processes and releases (Swift's
    /// `Hasher` is seeded per process).
    public static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
