import ContinuumGit
import ContinuumPlanner
import ContinuumSpec
public import ContinuumEngine
public import ContinuumState
public import Logging
public import ServiceLifecycle
import ContinuumApply
import Foundation

/// The reconcile loop: fetch the Git source every `interval` (or at once when woken by a
/// webhook), and when the commit changed, a retry is due or drift should be checked:
/// reconcile it through the engine. An invalid or refused commit changes nothing: the last
/// good commit stays applied and the status says why. Only the replica holding the state
/// lease works; others stand by and take over. A `Service`: graceful shutdown lets
/// in-flight operations finish and be recorded.
public actor Controller: Service {
    /// How it runs.
    public nonisolated let configuration: ControllerConfiguration
    /// The state store.
    public nonisolated let store: SQLiteStateStore
    let source: GitSource
    let catalog: ProviderCatalog
    let reconciler: Reconciler
    let lease: StateLease
    let metrics: ControllerMetrics
    let logger: Logger
    let clock: ContinuousClock
    let wakeup = Wakeup()
    let stop = StopSignal()

    var status: ControllerStatus
    /// The rules: what is due, backoff, what each outcome means for the status.
    var policy: ReconcilePolicy
    /// The newest commit that loaded and planned, and its specs: what drift is corrected to.
    var desired: DesiredCommit?
    /// The newest commit loaded, good or not, so a bad one is not loaded again and again.
    var loadedCommit: String?
    /// The files parsed for earlier commits: a new commit re-parses only the changed ones.
    var specCache = SpecLoadCache()
    /// The last plan's memo, made against a state that matched the store: the next plan
    /// against the same state re-diffs only what changed (nothing, for the same commit).
    var planningMemo: (commit: String, memo: PlanningMemo)?
    /// The resources whose last operation failed, with the error.
    var failures: [ResourceID: String] = [:]
    var drifted: Set<ResourceID> = []
    /// What the resource counts were last computed from; an unchanged reconcile skips the recount.
    var countedFrom: ResourceCountInputs?
    var fetchedOnce = false
    var leader = false

    /// Creates a controller whose providers come from `catalog`; nothing runs until `run()`.
    public init(configuration: ControllerConfiguration, catalog: ProviderCatalog, metrics: ControllerMetrics, logger: Logger, clock: ContinuousClock = ContinuousClock()) {
        self.configuration = configuration
        let store = SQLiteStateStore(path: configuration.statePath)
        self.store = store
        self.source = GitSource(options: configuration.source)
        self.catalog = catalog
        self.reconciler = Reconciler(
            store: store, catalog: catalog,
            options: ReconcileOptions(apply: configuration.apply, prune: configuration.prune, maximumDestroys: configuration.maximumDestroys))
        self.lease = StateLease(store: store, holder: configuration.holder, policy: configuration.lease)
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        self.policy = ReconcilePolicy(
            interval: configuration.interval, driftInterval: configuration.driftInterval, maximumBackoff: configuration.maximumBackoff,
            selfHeal: configuration.selfHeal)
        self.status = ControllerStatus(
            phase: .reconciling, message: "starting: the source has not been fetched yet", repository: configuration.source.displayURL,
            reference: configuration.source.reference.description, resources: [:], leader: false)
    }

    /// Runs until cancelled or gracefully shut down; releases the state lease on the way out.
    public func run() async throws {
        logger.info("controller started", metadata: [
            "repository": "\(configuration.source.displayURL)", "reference": "\(configuration.source.reference)",
            "interval": "\(DurationText.format(configuration.interval))", "driftInterval": "\(DurationText.format(configuration.driftInterval))",
        ])
        let stop = self.stop
        let wakeup = self.wakeup
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: {
            stop.stop()
            Task { await wakeup.fire() }
        }
        if leader { await lease.release() }
        logger.info("controller stopped")
    }

    /// Asks for a reconcile now (a webhook or `continuum reconcile`): the loop fetches at once.
    public func trigger() async {
        await wakeup.fire()
    }

    /// The status now.
    public func currentStatus() -> ControllerStatus {
        var status = self.status
        status.leader = leader
        return status
    }

    /// Whether the source has been fetched at least once and the state store can be read.
    public func isReady() async -> Bool {
        guard fetchedOnce else { return false }
        do {
            _ = try await store.currentLock()
            return true
        } catch {
            return false
        }
    }

    private func loop() async {
        var nextCycle = clock.now
        var woken = false
        while !stop.isStopped, !Task.isCancelled {
            if woken || clock.now >= nextCycle {
                if await takeLease() {
                    await cycle(forced: woken)
                    nextCycle = policy.nextCycle(after: clock.now)
                } else {
                    nextCycle = clock.now + min(configuration.interval, configuration.lease.renewInterval)
                }
            } else if leader {
                _ = await takeLease()
            }
            var wait = nextCycle - clock.now
            if leader { wait = min(wait, configuration.lease.renewInterval) }
            woken = await wakeup.wait(for: max(wait, .milliseconds(10)))
        }
    }

    /// Takes or renews the state lease; false while another replica holds it.
    private func takeLease() async -> Bool {
        do {
            if let previous = try await lease.acquire() {
                logger.notice("took over the state lease of a holder that is gone", metadata: ["previous": "\(previous.holder)"])
            }
            if !leader { logger.info("took the state lock", metadata: ["holder": "\(configuration.holder)"]) }
            leader = true
            return true
        } catch {
            if leader || status.phase != .standby { logger.notice("standing by: \(error)") }
            leader = false
            status.phase = .standby
            status.message = "standing by: \(error)"
            return false
        }
    }
}
