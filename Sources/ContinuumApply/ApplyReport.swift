public import ContinuumPlanner
public import ContinuumSpec

/// What an apply did, per operation, with times in seconds from its start (`--report FILE`).
public struct ApplyReport: Sendable, Codable, Hashable {
    /// How one operation ended.
    public enum Outcome: String, Sendable, Codable, Hashable {
        /// It succeeded.
        case succeeded
        /// It failed; `error` says why.
        case failed
        /// It never started: what it waits for failed, or the apply was stopped.
        case skipped
        /// It was still running when the report was made.
        case running
    }

    /// One operation.
    public struct Action: Sendable, Codable, Hashable {
        /// The step's index in the plan.
        public var id: Int
        /// The resource, `Kind/name`.
        public var resource: ResourceID
        /// The resource's kind.
        public var kind: ResourceKind
        /// The operation: create, update or delete.
        public var action: ResourceOperation
        /// The resource's planned change: create, update, replace or delete.
        public var change: ChangeAction
        /// The provider called.
        public var provider: String
        /// When it started, in seconds from the start of the apply; nil when it never started.
        public var start: Double?
        /// When it ended.
        public var end: Double?
        /// How it ended.
        public var outcome: Outcome
        /// The error, for a failed operation.
        public var error: String?
    }

    /// Every operation of the plan, in plan order.
    public var actions: [Action]
    /// From the first start to the last end, in seconds.
    public var makespan: Double
}
