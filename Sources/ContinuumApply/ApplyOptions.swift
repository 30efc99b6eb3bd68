public import ContinuumSpec

/// How an apply runs.
public struct ApplyOptions: Sendable {
    /// At most this many operations in flight overall (`--parallelism`, default 10).
    public var parallelism: Int
    /// Attempts per operation for retryable errors, the first included (default 5).
    public var maximumAttempts: Int
    /// The first retry's backoff; each further one doubles, with jitter (default 0.5 s).
    public var initialBackoff: Duration
    /// The longest backoff (default 30 s).
    public var maximumBackoff: Duration
    /// The longest one attempt may take before it counts as a retryable failure (default 10 min).
    public var attemptTimeout: Duration
    /// How ready operations are ordered (critical path, or FIFO for comparison).
    public var policy: SchedulingPolicy
    /// The shards this replica holds, when the fleet is sharded among replicas: only their
    /// operations run here, fenced by their leases (nil: every operation, the usual case).
    public var ownership: ShardOwnership?
    /// Idempotency keys for creates, by resource: those of interrupted creates whose object
    /// recovery did not find (`JournalRecovery.Report.interruptedCreates`). A create reuses
    /// its resource's key, so a late call of the interrupted apply makes no second object.
    public var resumedCreateKeys: [ResourceID: String] = [:]
    /// Whether operations running together share journal transactions (group commit, the
    /// default). Off, every intent and completion is a transaction of its own: the
    /// benchmark's baseline.
    public var groupCommit = true

    /// Creates options.
    public init(
        parallelism: Int = 10, maximumAttempts: Int = 5, initialBackoff: Duration = .milliseconds(500), maximumBackoff: Duration = .seconds(30),
        attemptTimeout: Duration = .seconds(600), policy: SchedulingPolicy = .criticalPath
    ) {
        self.parallelism = parallelism
        self.maximumAttempts = maximumAttempts
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.attemptTimeout = attemptTimeout
        self.policy = policy
    }
}

/// How ready operations are ordered.
public enum SchedulingPolicy: String, Sendable, CaseIterable {
    /// The operation with the longest remaining path to the end of the plan first.
    case criticalPath = "critical-path"
    /// The operation that became ready first, as a Terraform-style walk with `-parallelism` does.
    case fifo
}
