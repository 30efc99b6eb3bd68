/// What an apply did, per operation, with times in seconds from its start (`--report FILE`).
public struct ApplyReport: Sendable, Codable, Hashable {
    /// One operation.
    public struct Action: Sendable, Codable, Hashable {
        /// The step's index in the plan.
        public var id: Int
        /// The resource, `Kind/name`.
        public var resource: String
        /// The resource's kind.
        public var kind: String
        /// The operation: create, update or delete.
        public var action: String
        /// The resource's planned change: create, update, replace or delete.
        public var change: String
        /// The provider called.
        public var provider: String
        /// When it started, in seconds from the start of the apply; nil when it never started.
        public var start: Double?
        /// When it ended.
        public var end: Double?
        /// succeeded, failed, skipped.
        public var outcome: String
        /// The error, for a failed operation.
        public var error: String?
    }

    /// Every operation of the plan, in plan order.
    public var actions: [Action]
    /// From the first start to the last end, in seconds.
    public var makespan: Double
}
