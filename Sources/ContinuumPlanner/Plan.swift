public import ContinuumSpec

/// An immutable plan: per resource what will change, and the DAG of provider operations
/// that makes it so. Serialised to JSON with the state's serial and lineage, so a saved
/// plan is applied only to the state it was made from.
public struct Plan: Sendable, Hashable, Codable {
    /// The JSON format's version.
    public static let currentFormatVersion = 1

    /// The JSON format's version.
    public var formatVersion: Int
    /// The serial of the state the plan was made from.
    public var stateSerial: Int64
    /// The lineage of the state the plan was made from.
    public var stateLineage: String?
    /// The counts.
    public var summary: PlanSummary
    /// Every resource with something to do, sorted by id (no-ops are left out).
    public var changes: [ResourceChange]
    /// The operations, in a dependency-first order; each lists the steps it waits for.
    public var steps: [PlanStep]
    /// Recorded resources gone from the spec that are kept because pruning is off.
    public var orphans: [ResourceID]
    /// How many resources need nothing.
    public var unchangedCount: Int

    /// Creates a plan.
    public init(stateSerial: Int64, stateLineage: String?, changes: [ResourceChange], steps: [PlanStep], orphans: [ResourceID] = [], unchangedCount: Int = 0) {
        self.formatVersion = Self.currentFormatVersion
        self.stateSerial = stateSerial
        self.stateLineage = stateLineage
        self.summary = PlanSummary(changes)
        self.changes = changes
        self.steps = steps
        self.orphans = orphans
        self.unchangedCount = unchangedCount
    }

    /// Whether there is nothing to do.
    public var hasChanges: Bool { !summary.isEmpty }
}
