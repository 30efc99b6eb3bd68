public import ContinuumEngine
public import ContinuumPlanner

/// What `POST /api/v1/plans` answers: the planned commit, the applied one it is planned
/// against, the counts, the digest that ties the review to the apply, and the plan in the
/// format asked for.
public struct ServedPlan: Sendable, Encodable {
    /// The planned commit.
    public var commit: String
    /// The commit's tree.
    public var tree: String
    /// The commit applied when the plan was made (nil before the first apply).
    public var base: String?
    /// The summary line (`Plan: 1 to add, ...` or `No changes. ...`).
    public var summary: String
    /// The counts.
    public var counts: ControllerStatus.PlanCounts
    /// The plan's digest (`PlanDigest`).
    public var digest: PlanDigest
    /// The plan as `continuum plan` prints it (format `text`).
    public var text: String?
    /// The plan as a pull-request comment (format `markdown`).
    public var markdown: String?
    /// The plan itself (format `json`).
    public var plan: Plan?
}
