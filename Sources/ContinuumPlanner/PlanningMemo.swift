import ContinuumGraph
import ContinuumSpec
public import ContinuumState

/// What one successful plan was computed from, and what it decided for each resource:
/// kept so that the next plan of a slightly edited spec against the same state re-diffs
/// only the edited resources and those that depend on them (`Planner.replan`).
public struct PlanningMemo: Sendable {
    let resources: [Resource]
    let graph: ResourceGraph
    let order: [Int]
    /// Each node's change before create-before-destroy is inherited; nil for providers.
    let changes: ChangeTable
    /// The deletes of recorded resources gone from the spec, and the orphans.
    let removals: [ResourceChange]
    let orphans: [ResourceID]
    let stateSerial: Int64
    let stateLineage: String?
    let options: PlanOptions


    /// Whether the memo was planned against this state (same serial and lineage), so that
    /// a `replan` from it can be incremental.
    public func matches(_ state: StateSnapshot) -> Bool {
        stateSerial == state.serial && stateLineage == state.lineage
    }
}
