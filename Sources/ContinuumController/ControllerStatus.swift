public import Foundation

/// What the controller is doing and how its last reconcile went: `GET /api/v1/status`.
public struct ControllerStatus: Sendable, Codable, Hashable {
    /// The controller's phase.
    public enum Phase: String, Sendable, Codable, Hashable {
        /// The last good commit is applied and nothing is failing.
        case ready = "Ready"
        /// A reconcile is running, or none has finished yet.
        case reconciling = "Reconciling"
        /// The last reconcile failed or refused a commit; `message` says why.
        case failed = "Failed"
        /// Another replica holds the state lock; this one waits to take over.
        case standby = "Standby"
    }

    /// What the last finished reconcile did.
    public struct Reconcile: Sendable, Codable, Hashable {
        /// When it started.
        public var time: Date
        /// How long it took, in seconds.
        public var durationSeconds: Double
        /// The commit it worked on.
        public var commit: String?
        /// `applied`, `no changes`, `drift reported`, `rejected`, `failed`.
        public var result: String
        /// The plan's counts, when it planned.
        public var plan: PlanCounts?
        /// Resources found changed or deleted outside Continuum.
        public var drifted: [String]
    }

    /// A plan's counts and summary line.
    public struct PlanCounts: Sendable, Codable, Hashable {
        /// Resources to create.
        public var add: Int
        /// Resources to update in place.
        public var change: Int
        /// Resources to replace.
        public var replace: Int
        /// Resources to delete.
        public var destroy: Int
        /// `Plan: 1 to add, ...`.
        public var summary: String
    }

    /// The phase.
    public var phase: Phase
    /// Why the phase is what it is, in a sentence a person can act on.
    public var message: String
    /// The repository URL, credentials left out.
    public var repository: String
    /// What is tracked: `branch main`, `tag v1`, `commit 1a2b3c`.
    public var reference: String
    /// The commit whose specs are applied now.
    public var lastAppliedCommit: String?
    /// The newest commit tried, applied or not.
    public var lastAttemptedCommit: String?
    /// The newest commit fetched.
    public var lastFetchedCommit: String?
    /// When the source was last fetched successfully.
    public var lastFetchTime: Date?
    /// The last finished reconcile.
    public var lastReconcile: Reconcile?
    /// How many resources are in each status (`Ready`, `Pending`, `Failed`, `Drifted`).
    public var resources: [String: Int]
    /// Whether this replica holds the state lock.
    public var leader: Bool
}
