public import ContinuumPlanner
public import ContinuumSpec

/// What an apply reports as it goes, for the terminal, logs and tests.
public enum ApplyEvent: Sendable {
    /// A pending intent of an earlier, interrupted run was resolved.
    case recovered(ResourceID, JournalResolution)
    /// An operation started.
    case started(ResourceID, PlanStep.Operation)
    /// An operation failed with a retryable error and will be tried again.
    case retrying(ResourceID, PlanStep.Operation, attempt: Int, error: String)
    /// An operation ended.
    case finished(ResourceID, PlanStep.Operation, elapsed: Duration, outcome: StepOutcome)
    /// Operations were skipped because one they wait for failed or the apply was stopped.
    case skipped(ResourceID, PlanStep.Operation, reason: String)
}

/// How a pending journal entry was resolved.
public enum JournalResolution: String, Sendable {
    /// The provider had created the object: it was adopted into the state.
    case adopted
    /// The call had not taken effect: nothing to do, the plan repeats it.
    case notApplied = "not applied"
    /// The delete had taken effect: the record was removed.
    case deleted
}

/// How one operation ended.
public enum StepOutcome: Sendable, Hashable {
    /// It succeeded; the provider id of the object.
    case succeeded(providerID: String?)
    /// It failed with this error.
    case failed(String)
}
