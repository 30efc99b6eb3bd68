public import ContinuumState

extension Plan {
    /// Why the plan cannot be applied to `state`, or nil when it was made from it: the same
    /// serial, and the same lineage when both know one.
    public func staleness(against state: StateSnapshot) -> String? {
        guard state.serial != stateSerial || (stateLineage != nil && state.lineage != nil && stateLineage != state.lineage) else { return nil }
        return "the saved plan was made from state serial \(stateSerial), but the state is now at serial \(state.serial); run `continuum plan --out FILE` again and review the new plan"
    }
}
