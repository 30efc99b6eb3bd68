public import ContinuumApply
public import ContinuumEngine
public import ContinuumGit
public import ContinuumState
import Foundation

/// How a controller runs: where its specs come from, where state lives, and the loop's
/// timing and policies. Defaults follow Flux and Argo CD. Providers (the sim world's file
/// among their settings) come from the `ProviderCatalog` the controller is given.
public struct ControllerConfiguration: Sendable {
    /// The Git repository, reference and sub-directory to reconcile.
    public var source: GitSourceOptions
    /// The SQLite state file, unless `store` is given.
    public var statePath: String
    /// The state store (PostgreSQL, say); nil for the SQLite file at `statePath`.
    public var store: (any StateStore)?
    /// How often the source is fetched (`--interval`, Flux's default 1m).
    public var interval: Duration
    /// How often the live state is checked for drift when nothing else changed (`--drift-interval`, 5m).
    public var driftInterval: Duration
    /// Whether drift is corrected (default) or only reported (`--no-self-heal`).
    public var selfHeal: Bool
    /// Whether resources gone from the spec are deleted (default) or left alone (`--no-prune`).
    public var prune: Bool
    /// A plan deleting or replacing more than this many resources is refused (`--max-destroy`).
    public var maximumDestroys: Int?
    /// How applies run.
    public var apply: ApplyOptions
    /// The longest wait after consecutive failures (doubling from `interval`, default 10m).
    public var maximumBackoff: Duration
    /// The state lease: a replica takes over after its duration when the holder dies
    /// without releasing it.
    public var lease: LeasePolicy
    /// Who this replica is, in the lock and in logs.
    public var holder: String
    /// How many plans for refs (`POST /api/v1/plans`) may be made at once; more are
    /// answered 429.
    public var maximumConcurrentPlans = 2
    /// A plan for a ref reuses the live state the last reconcile refreshed (and recorded)
    /// when that reconcile finished less than this ago; otherwise it refreshes, read-only
    /// (`--plan-refresh-max-age`). Zero refreshes for every plan.
    public var planRefreshMaximumAge: Duration = .seconds(60)
    /// Apply a new commit only if the plan it would apply was served for review
    /// (`POST /api/v1/plans`, same digest) or an operator approved the commit; otherwise the
    /// commit is held and the last applied one stays (`--require-reviewed-plan`).
    public var requireReviewedPlan = false
    /// Share the fleet with other replicas on the same state, in shards held by leases
    /// (`--shards`): every replica plans the whole graph and applies only its shards' steps.
    /// Nil: one replica holds the state lease and applies everything; the others stand by.
    public var shards: ShardMap?
    /// Sharded, how soon a reconcile comes again while steps wait for other shards' work
    /// (`--shard-poll`, default 2 s).
    public var shardPoll: Duration = .seconds(2)

    /// Creates a configuration with the defaults.
    public init(
        source: GitSourceOptions, statePath: String,
        interval: Duration = .seconds(60), driftInterval: Duration = .seconds(300), selfHeal: Bool = true, prune: Bool = true,
        maximumDestroys: Int? = nil, apply: ApplyOptions = ApplyOptions(), maximumBackoff: Duration = .seconds(600),
        lease: LeasePolicy = LeasePolicy(), holder: String? = nil, store: (any StateStore)? = nil
    ) {
        self.store = store
        self.source = source
        self.statePath = statePath
        self.interval = interval
        self.driftInterval = driftInterval
        self.selfHeal = selfHeal
        self.prune = prune
        self.maximumDestroys = maximumDestroys
        self.apply = apply
        self.maximumBackoff = maximumBackoff
        self.lease = lease
        self.holder = holder ?? StateLease.holderName("controller")
    }
}
