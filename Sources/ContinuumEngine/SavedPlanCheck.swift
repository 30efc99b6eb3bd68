import ContinuumPlanner
import ContinuumSpec
import ContinuumState

/// Checks that a saved plan is a plan of the specs it is applied with: every change names
/// a resource of the specs (or a recorded one gone from them, for a delete) on the same
/// provider with the same spec, and its provider changes are those of the specs. A plan
/// file edited after review, or applied with other specs, is refused: an apply must never
/// execute what validation and review did not see.
struct SavedPlanCheck {
    let plan: Plan
    let specs: ValidatedSpecs
    let state: StateSnapshot

    func verify() throws(ReconcileError) {
        let desired = Dictionary(specs.resources.map { ($0.id, $0) }) { first, _ in first }
        for change in plan.changes {
            switch change.action {
            case .delete:
                guard state[change.id] != nil else { throw mismatch("\(change.id) is to be deleted but is not recorded") }
                if desired[change.id] != nil { throw mismatch("\(change.id) is to be deleted but is in the specs") }
            case .create, .update, .replace, .noop:
                guard let resource = desired[change.id] else { throw mismatch("\(change.id) is not in the specs") }
                guard resource.spec.providerName == change.provider, change.spec == nil || change.spec == resource.spec.fieldValue else {
                    throw mismatch("\(change.id) differs from the specs")
                }
            }
        }
        for change in plan.providerChanges {
            guard let resource = desired[change.id], change.spec == resource.spec.fieldValue else { throw mismatch("\(change.id) differs from the specs") }
        }
        for resource in specs.resources where resource.id.kind == .provider {
            let recorded = state.providers[resource.id.name]
            guard recorded == nil || recorded == resource.spec.fieldValue || plan.providerChanges.contains(where: { $0.id == resource.id }) else {
                throw mismatch("\(resource.id) changed after the plan was made")
            }
        }
    }

    private func mismatch(_ what: String) -> ReconcileError {
        .failed(ReconcileFailure(.savedPlan, "the saved plan does not match the specs: \(what); run `continuum plan --out FILE` on these specs again and review the new plan"))
    }
}
