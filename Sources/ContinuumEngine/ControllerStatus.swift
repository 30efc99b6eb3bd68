public import Foundation
public import ContinuumPlanner

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
        /// A new commit waits for review (`--require-reviewed-plan`): the plan it would apply
        /// was not served for review; the last applied commit stays.
        case held = "Held"
        /// An operator suspended the controller: it fetches and plans, and applies nothing.
        case suspended = "Suspended"
    }

    /// How a reconcile ended.
    public enum Result: String, Sendable, Codable, Hashable {
        /// A plan with changes was applied completely.
        case applied
        /// There was nothing to change.
        case noChanges = "no changes"
        /// Drift was found and only reported (`--no-self-heal`).
        case driftReported = "drift reported"
        /// The commit or its plan was refused; nothing changed.
        case rejected
        /// Fetching, recovering, refreshing or applying failed.
        case failed
        /// The commit's plan was not the one reviewed; nothing changed (`--require-reviewed-plan`).
        case held
        /// The controller is suspended; nothing changed.
        case suspended
        /// A newer commit pre-empted the apply: its waits were cut short, operations in
        /// flight finished and were recorded, and the newer commit is reconciled next.
        case preempted = "pre-empted"
    }

    /// What the last finished reconcile did.
    public struct Reconcile: Sendable, Codable, Hashable {
        /// When it started.
        public var time: Date
        /// How long it took, in seconds.
        public var durationSeconds: Double
        /// The commit it worked on.
        public var commit: String?
        /// How it ended.
        public var result: Result
        /// The plan's counts, when it planned.
        public var plan: PlanCounts?
        /// Resources found changed or deleted outside Continuum.
        public var drifted: [String]
        /// The digest of the plan it made (`PlanDigest`): for an applied plan, the one a
        /// review must have seen.
        public var digest: PlanDigest?

        /// Creates a record of a reconcile.
        public init(time: Date, durationSeconds: Double, commit: String?, result: Result, plan: PlanCounts?, drifted: [String]) {
            self.time = time
            self.durationSeconds = durationSeconds
            self.commit = commit
            self.result = result
            self.plan = plan
            self.drifted = drifted
        }
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

        /// Creates counts.
        public init(add: Int, change: Int, replace: Int, destroy: Int, summary: String) {
            self.add = add
            self.change = change
            self.replace = replace
            self.destroy = destroy
            self.summary = summary
        }

        /// The counts of `plan`.
        public init(_ plan: Plan) {
            self.init(add: plan.summary.add, change: plan.summary.change, replace: plan.summary.replace, destroy: plan.summary.destroy, summary: plan.summary.line)
        }
    }

    /// Fetches asked for by webhooks and `continuum reconcile`.
    public struct Triggers: Sendable, Codable, Hashable {
        /// How many arrived since the controller started; each is numbered by this count.
        public var received: Int
        /// The newest one a finished fetch answered: below `received` while one waits (for
        /// the running fetch, or for a backoff to end).
        public var handled: Int

        /// Creates counts.
        public init(received: Int, handled: Int) {
            self.received = received
            self.handled = handled
        }
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
    /// The commit an operator pinned the controller to (`continuum rollback`), if any.
    public var pinnedCommit: String?
    /// When the source was last fetched successfully.
    public var lastFetchTime: Date?
    /// The last finished reconcile.
    public var lastReconcile: Reconcile?
    /// How many resources are in each status (`Ready`, `Pending`, `Failed`, `Drifted`).
    public var resources: [String: Int]
    /// Whether this replica holds the state lock.
    public var leader: Bool
    /// Triggers received and handled.
    public var triggers: Triggers?
    /// When the fleet is sharded among replicas: every shard and its holder.
    public var shards: [ShardHolding]?
    /// When sharded: the live replicas (their membership leases), this one included.
    public var replicas: [String]?

    /// Creates a status.
    public init(
        phase: Phase, message: String, repository: String, reference: String, lastAppliedCommit: String? = nil, lastAttemptedCommit: String? = nil,
        lastFetchedCommit: String? = nil, lastFetchTime: Date? = nil, lastReconcile: Reconcile? = nil, resources: [String: Int], leader: Bool,
        triggers: Triggers? = nil
    ) {
        self.phase = phase
        self.message = message
        self.repository = repository
        self.reference = reference
        self.lastAppliedCommit = lastAppliedCommit
        self.lastAttemptedCommit = lastAttemptedCommit
        self.lastFetchedCommit = lastFetchedCommit
        self.lastFetchTime = lastFetchTime
        self.lastReconcile = lastReconcile
        self.resources = resources
        self.leader = leader
        self.triggers = triggers
    }
}
