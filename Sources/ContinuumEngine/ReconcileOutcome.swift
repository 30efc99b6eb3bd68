public import ContinuumApply
public import ContinuumPlanner
public import ContinuumSpec

/// What the refresh found changed outside Continuum.
public struct Drift: Sendable, Hashable {
    /// Resources whose live spec differs from the recorded one.
    public var drifted: [ResourceID] = []
    /// Resources whose object is gone.
    public var missing: [ResourceID] = []

    /// Creates a drift report.
    public init(drifted: [ResourceID] = [], missing: [ResourceID] = []) {
        self.drifted = drifted
        self.missing = missing
    }

    /// Every resource found changed or gone.
    public var all: [ResourceID] { drifted + missing }
    /// Whether nothing changed outside Continuum.
    public var isEmpty: Bool { drifted.isEmpty && missing.isEmpty }
}

/// A plan and what it was planned from: the memo for the next incremental plan and what
/// the refresh and recovery found.
public struct PlannedChange: Sendable {
    /// The plan.
    public var plan: Plan
    /// The memo a later `replan` starts from; nil when the plan's state differs from the store's.
    public var memo: PlanningMemo?
    /// Drift the refresh found.
    public var drift: Drift

    /// Creates a planned change.
    public init(plan: Plan, memo: PlanningMemo?, drift: Drift) {
        self.plan = plan
        self.memo = memo
        self.drift = drift
    }
}

/// Why a plan was not applied although it was made.
public struct Refusal: Sendable {
    /// The reason, as a clause: `its plan destroys 12 resources, over --max-destroy 5`.
    public var reason: String
    /// The problems, located where possible.
    public var diagnostics: [Diagnostic]
    /// What to do.
    public var remedy: String?

    /// Creates a refusal.
    public init(reason: String, diagnostics: [Diagnostic] = [], remedy: String? = nil) {
        self.reason = reason
        self.diagnostics = diagnostics
        self.remedy = remedy
    }
}

/// Where a reconciliation failed before or around the apply.
public struct ReconcileFailure: Error, Sendable, CustomStringConvertible {
    /// The stages.
    public enum Stage: String, Sendable {
        /// Taking the state lease.
        case lease
        /// Reading or writing the state.
        case state
        /// Settling an interrupted apply.
        case recovery
        /// Applying a saved plan that no longer fits.
        case savedPlan = "saved plan"
    }

    /// Where it failed.
    public var stage: Stage
    /// What went wrong and what to do.
    public var message: String

    /// Creates a failure.
    public init(_ stage: Stage, _ message: String) {
        self.stage = stage
        self.message = message
    }

    public var description: String { message }
}

/// What one reconciliation came to.
public enum ReconcileOutcome: Sendable {
    /// Planned and applied; `result` is nil when there was nothing to apply.
    case applied(PlannedChange, result: ApplyResult?)
    /// Planned, and the approval (a person at a prompt) declined it; nothing changed.
    case declined(PlannedChange)
    /// Drift was found and only reported, since correcting it is off.
    case driftReported(PlannedChange)
    /// The plan was refused; nothing changed.
    case refused(Refusal, drift: Drift)
    /// Something failed before or during the apply.
    case failed(ReconcileFailure, drift: Drift)

    /// What the refresh found, whatever the outcome.
    public var drift: Drift {
        switch self {
        case .applied(let planned, _), .declined(let planned), .driftReported(let planned): planned.drift
        case .refused(_, let drift), .failed(_, let drift): drift
        }
    }

    /// The plan, when one was made.
    public var plan: Plan? {
        switch self {
        case .applied(let planned, _), .declined(let planned), .driftReported(let planned): planned.plan
        case .refused, .failed: nil
        }
    }
}
