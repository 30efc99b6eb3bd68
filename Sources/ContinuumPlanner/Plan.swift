public import ContinuumSpec

/// An immutable plan: per resource what will change, and the DAG of provider operations
/// that makes it so. Serialised to JSON with the state's serial and lineage, so a saved
/// plan is applied only to the state it was made from.
public struct Plan: Sendable, Hashable, Codable {
    /// The JSON format's version: 2 added held resources, provider changes, the journal
    /// position and unsettled intents.
    public static let currentFormatVersion = 2

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
    /// Resources left alone this time because their live state is unknown.
    public var held: [HeldResource]
    /// `Provider` resources whose spec differs from the one last applied (a connection
    /// renamed, a setting tuned): no provider call, but a reviewer must see them, and
    /// applying the plan records them.
    public var providerChanges: [ResourceChange]
    /// How many provider calls the state's journal had recorded when the plan was made: a
    /// saved plan is applied only if no call was journalled since.
    public var journalPosition: Int64?
    /// Calls of an interrupted apply that were not settled when the plan was made; a saved
    /// plan made over them is refused (recovery may have changed what it would do).
    public var unsettledIntents: Int

    /// Creates a plan.
    public init(
        stateSerial: Int64, stateLineage: String?, changes: [ResourceChange], steps: [PlanStep], orphans: [ResourceID] = [], unchangedCount: Int = 0,
        held: [HeldResource] = [], providerChanges: [ResourceChange] = []
    ) {
        self.formatVersion = Self.currentFormatVersion
        self.stateSerial = stateSerial
        self.stateLineage = stateLineage
        self.summary = PlanSummary(changes)
        self.changes = changes
        self.steps = steps
        self.orphans = orphans
        self.unchangedCount = unchangedCount
        self.held = held
        self.providerChanges = providerChanges
        self.journalPosition = nil
        self.unsettledIntents = 0
    }

    private enum CodingKeys: String, CodingKey {
        case formatVersion, stateSerial, stateLineage, summary, changes, steps, orphans, unchangedCount, held, providerChanges, journalPosition, unsettledIntents
    }

    /// Reads a plan; `held`, `journalPosition` and `unsettledIntents` may be absent (plans
    /// saved by earlier versions).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        guard formatVersion <= Self.currentFormatVersion else {
            throw DecodingError.dataCorruptedError(forKey: .formatVersion, in: container,
                debugDescription: "the plan has format version \(formatVersion), made by a newer Continuum than this one (\(Self.currentFormatVersion)); plan and apply with the same version")
        }
        stateSerial = try container.decode(Int64.self, forKey: .stateSerial)
        stateLineage = try container.decodeIfPresent(String.self, forKey: .stateLineage)
        summary = try container.decode(PlanSummary.self, forKey: .summary)
        changes = try container.decode([ResourceChange].self, forKey: .changes)
        steps = try container.decode([PlanStep].self, forKey: .steps)
        orphans = try container.decode([ResourceID].self, forKey: .orphans)
        unchangedCount = try container.decode(Int.self, forKey: .unchangedCount)
        held = try container.decodeIfPresent([HeldResource].self, forKey: .held) ?? []
        providerChanges = try container.decodeIfPresent([ResourceChange].self, forKey: .providerChanges) ?? []
        journalPosition = try container.decodeIfPresent(Int64.self, forKey: .journalPosition)
        unsettledIntents = try container.decodeIfPresent(Int.self, forKey: .unsettledIntents) ?? 0
    }

    /// Writes a plan; `held` and `unsettledIntents` only when not empty, so plans without
    /// them read as before.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(stateSerial, forKey: .stateSerial)
        try container.encodeIfPresent(stateLineage, forKey: .stateLineage)
        try container.encode(summary, forKey: .summary)
        try container.encode(changes, forKey: .changes)
        try container.encode(steps, forKey: .steps)
        try container.encode(orphans, forKey: .orphans)
        try container.encode(unchangedCount, forKey: .unchangedCount)
        if !held.isEmpty { try container.encode(held, forKey: .held) }
        if !providerChanges.isEmpty { try container.encode(providerChanges, forKey: .providerChanges) }
        try container.encodeIfPresent(journalPosition, forKey: .journalPosition)
        if unsettledIntents > 0 { try container.encode(unsettledIntents, forKey: .unsettledIntents) }
    }

    /// Whether there is nothing to do.
    public var hasChanges: Bool { !summary.isEmpty || !providerChanges.isEmpty }

    /// Whether applying it leaves the world converged: it has no held resources.
    public var isComplete: Bool { held.isEmpty }
}
