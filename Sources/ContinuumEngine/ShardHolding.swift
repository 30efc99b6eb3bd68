public import Foundation

/// One shard of a sharded fleet as the status shows it: who holds its lease, at which
/// generation, until when, and whether this replica is the holder.
public struct ShardHolding: Sendable, Codable, Hashable {
    /// The shard's name (a provider's, or `shard-N` when providers are grouped by hash).
    public var shard: String
    /// The replica holding it; nil while it is free or its holder's lease lapsed.
    public var holder: String?
    /// The lease's generation (its fencing token).
    public var generation: Int64
    /// When the lease lapses unless renewed.
    public var expiresAt: Date?
    /// Whether this replica holds it.
    public var here: Bool

    /// Creates a holding.
    public init(shard: String, holder: String?, generation: Int64, expiresAt: Date?, here: Bool) {
        self.shard = shard
        self.holder = holder
        self.generation = generation
        self.expiresAt = expiresAt
        self.here = here
    }
}
