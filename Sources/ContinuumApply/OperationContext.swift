import ContinuumPlanner
import ContinuumProvider
import ContinuumSpec
import ContinuumState

/// One step of a plan with what it needs to run: the resource's change and desired spec.
struct OperationContext: Sendable {
    let step: PlanStep
    let change: ResourceChange
    /// The desired resource (nil for a delete of a resource gone from the spec).
    let resource: Resource?

    /// Whether this delete removes the old object of a create-before-destroy replace.
    var deletesDeposed: Bool {
        step.operation == .delete && change.action == .replace && change.replaceOrder == .createBeforeDestroy
    }

    /// The provider this step calls: the new one for creates and updates, the old one for deletes.
    var providerName: String {
        step.operation == .delete ? change.previousProvider ?? change.provider : change.provider
    }

    var providerOperation: ProviderOperation {
        switch step.operation {
        case .create: .create
        case .update: .update
        case .delete: .delete
        }
    }
}

/// What one operation produced, for the executor's loop.
struct OperationResult: Sendable {
    let index: Int
    let outcome: StepOutcome
    /// The resource's record after the operation (nil when unchanged or removed).
    let record: RecordedResource?
    /// Whether the record was removed.
    let removed: Bool
}
