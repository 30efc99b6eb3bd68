public import ContinuumApply
public import ContinuumGit
import Foundation

/// How a controller runs: where its specs come from, where state and the sim world live,
/// and the loop's timing and policies. Defaults follow Flux and Argo CD.
public struct ControllerConfiguration: Sendable {
    /// The Git repository, reference and sub-directory to reconcile.
    public var source: GitSourceOptions
    /// The SQLite state file.
    public var statePath: String
    /// The embedded sim world's file.
    public var simWorldPath: String
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
    /// How long the state lock is held without renewal: a replica takes over after this
    /// when the holder dies without releasing it.
    public var lockLease: Duration
    /// Who this replica is, in the lock and in logs.
    public var holder: String

    /// Creates a configuration with the defaults.
    public init(
        source: GitSourceOptions, statePath: String, simWorldPath: String,
        interval: Duration = .seconds(60), driftInterval: Duration = .seconds(300), selfHeal: Bool = true, prune: Bool = true,
        maximumDestroys: Int? = nil, apply: ApplyOptions = ApplyOptions(), maximumBackoff: Duration = .seconds(600),
        lockLease: Duration = .seconds(60), holder: String? = nil
    ) {
        self.source = source
        self.statePath = statePath
        self.simWorldPath = simWorldPath
        self.interval = interval
        self.driftInterval = driftInterval
        self.selfHeal = selfHeal
        self.prune = prune
        self.maximumDestroys = maximumDestroys
        self.apply = apply
        self.maximumBackoff = maximumBackoff
        self.lockLease = lockLease
        let process = ProcessInfo.processInfo
        self.holder = holder ?? "continuum controller (pid \(process.processIdentifier) on \(process.hostName))"
    }
}
