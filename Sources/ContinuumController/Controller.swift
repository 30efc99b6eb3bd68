import ContinuumGit
import ContinuumNotify
import ContinuumPlanner
import ContinuumSpec
public import ContinuumEngine
public import ContinuumState
public import Logging
public import ServiceLifecycle
import ContinuumApply
import ContinuumProvider
import Foundation

/// The reconcile loop: fetch the Git source every `interval` (or sooner when triggered by a
/// webhook or `continuum reconcile`), and when the commit changed, a retry is due or drift
/// should be checked: reconcile it through the engine. Triggers are coalesced and wait out
/// a backoff; a trigger alone makes a fetch, never a reconcile. An invalid or refused
/// commit changes nothing: the last good commit stays applied and the status says why.
/// Only the replica holding the state lease works; others stand by and take over. A
/// `Service`: graceful shutdown lets in-flight operations finish and be recorded.
public actor Controller: Service {
    /// How it runs.
    public nonisolated let configuration: ControllerConfiguration
    /// The state store.
    public nonisolated let store: any StateStore
    let source: GitSource
    let catalog: ProviderCatalog
    let reconciler: Reconciler
    let lease: StateLease
    /// Reports reconciles to the operator's notification targets.
    let notifier: Notifier
    let metrics: ControllerMetrics
    let logger: Logger
    let clock: ContinuousClock
    let wakeup = Wakeup()
    /// Wakes the watch for a newer commit while a reconcile runs (a webhook, `continuum reconcile`).
    let newerCommitWakeup = Wakeup()
    let stop = StopSignal()

    var status: ControllerStatus
    /// The rules: what is due, backoff, what each outcome means for the status.
    var policy: ReconcilePolicy
    /// The newest commit that loaded and planned, and its specs: what drift is corrected to.
    var desired: DesiredCommit?
    /// The newest commit loaded, good or not, so a bad one is not loaded again and again.
    var loadedCommit: String?
    /// The files parsed and the specs validated for earlier commits: a new commit re-parses
    /// only the changed files, and re-validates only their resources when it can.
    var specCache = SpecValidationCache()
    /// The commit whose checkout last filled `specCache`: the next fetch asks Git which
    /// files differ from it (only those are read), and builds its checkout from that one.
    var cachedCommit: String?

    /// The parse cache as the last load of a commit left it: its counters say how many
    /// files that load read and parsed.
    public var lastSpecLoad: SpecLoadCache { specCache.files }
    /// How many resources the last load of a commit re-validated alone (those its edit
    /// changed); nil when it validated the whole repository.
    public var lastRevalidatedCount: Int? { specCache.editedPositions?.count }
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
    /// When the lease was last taken or renewed by this replica.
    var leaseTakenAt: ContinuousClock.Instant?
    /// When the next fetch is scheduled (the interval, a backoff, the next drift check).
    var nextCycle: ContinuousClock.Instant
    /// Whether a fetch (and perhaps a reconcile) is running now.
    var cycleRunning = false
    /// Plans for refs being made now (`POST /api/v1/plans`).
    var plansRunning = 0
    /// The operator's controls as last read from the state (suspension).
    var controls: [String: String] = [:]
    /// The new commit held for review, if any (`--require-reviewed-plan`).
    var heldForReview: HeldForReview?
    /// Sharded: the shards and replicas as last read.
    var shardTable: (shards: [ShardHolding], replicas: [String]) = ([], [])
    /// The plans served, by commit: the commit's tree and the digests (newest last).
    var servedPlans: [String: ServedDigests] = [:]
    /// What pre-empted the running reconcile (a newer commit, a pin, a suspension), if anything did.
    var preemption: String?
    /// The reconcile running now, which a newer commit, a pin or a shutdown pre-empts.
    var running: RunningReconcile?
    /// The shards this replica holds when the fleet is sharded (`configuration.shards`).
    let shardCoordinator: ShardCoordinator?
    /// Sharded: a reconcile comes again after `shardPoll`: steps wait for other shards' work,
    /// or this replica took shards over whose journals and work are to be recovered.
    var pollSoon = false
    /// Whether this cycle's reconcile reads the live state (sharded polls do not).
    var refreshes = true
    /// When a reconcile last read the live state.
    var lastRefresh: ContinuousClock.Instant?

    /// Creates a controller whose providers come from `catalog`; nothing runs until `run()`.
    public init(configuration: ControllerConfiguration, catalog: ProviderCatalog, metrics: ControllerMetrics, logger: Logger, clock: ContinuousClock = ContinuousClock()) {
        self.configuration = configuration
        let store = configuration.store ?? SQLiteStateStore(path: configuration.statePath)
        self.store = store
        self.source = GitSource(options: configuration.source)
        self.catalog = catalog
        self.reconciler = Reconciler(
            store: store, catalog: catalog,
            options: ReconcileOptions(apply: configuration.apply, prune: configuration.prune, maximumDestroys: configuration.maximumDestroys))
        self.lease = StateLease(store: store, holder: configuration.holder, policy: configuration.lease)
        self.notifier = Notifier(
            targets: Array(catalog.operatorConfig.notifications.values), secretsDirectory: catalog.operatorConfig.secretsDirectory,
            source: "continuum/\(configuration.holder)", logger: logger)
        self.metrics = metrics
        self.logger = logger
        self.shardCoordinator = configuration.shards.map {
            ShardCoordinator(store: store, map: $0, holder: configuration.holder, policy: configuration.lease, metrics: metrics, logger: logger)
        }
        self.clock = clock
        self.nextCycle = clock.now
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
        // Sharded: announce this replica at once, so that the others count it when they share out.
        await shardCoordinator?.renew()
        let stop = self.stop
        let wakeup = self.wakeup
        let notifier = self.notifier
        await withGracefulShutdownHandler {
            // Notices are delivered beside the loop, never in its way; what is in flight
            // when the loop ends is cancelled.
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await notifier.run() }
                await loop()
                notifier.finish()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stop.stop()
            Task {
                await self.cutWaits(because: "the controller is shutting down")
                await wakeup.fire()
            }
        }
        if let shardCoordinator {
            await shardCoordinator.releaseAll()
        } else if leader {
            await lease.release()
        }
        logger.info("controller stopped")
    }

    /// Asks for a fetch now (a webhook or `continuum reconcile`). The fetch starts at once
    /// unless one is running (then one more follows it, for every trigger that came
    /// meanwhile), a backoff after failures holds fetches back (then the fetch at its end
    /// answers the trigger), or this replica stands by. A reconcile follows the fetch only if
    /// there is a new commit, a drift check is due or a retry is due.
    /// - Returns: the trigger's number (`triggers.handled` in the status reaches it once a
    ///   fetch answered it) and what becomes of it.
    @discardableResult
    public func trigger() async -> TriggerReceipt {
        let number = policy.triggered()
        if cycleRunning { await newerCommitWakeup.fire() }
        let note = !leader && status.phase == .standby
            ? "this replica stands by (\(status.message)); it fetches when it takes the state lock"
            : policy.triggerNote(now: clock.now, scheduled: nextCycle, cycleRunning: cycleRunning)
        await wakeup.fire()
        return TriggerReceipt(trigger: number, message: note)
    }

    /// Asks for a full reconcile (fetch, refresh, plan, apply) now, as a due drift check
    /// would: for the benchmark, which measures no-change reconciles. Not served over HTTP.
    package func checkDriftNow() async {
        _ = policy.driftCheckAsked()
        await wakeup.fire()
    }

    /// The status now.
    public func currentStatus() -> ControllerStatus {
        var status = self.status
        status.leader = leader
        status.triggers = ControllerStatus.Triggers(received: policy.triggersReceived, handled: policy.triggersHandled)
        if shardCoordinator != nil {
            status.shards = shardTable.shards
            status.replicas = shardTable.replicas
        }
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
        while !stop.isStopped, !Task.isCancelled {
            if policy.fetchesNow(now: clock.now, scheduled: nextCycle, leader: leader) {
                if await takeLease() {
                    let answering = policy.fetchStarting()
                    cycleRunning = true
                    // The lease is renewed through the whole cycle (fetch, load, reconcile);
                    // when it is lost or not renewed within the deadline, the cycle stops
                    // starting operations and this replica steps down.
                    let leaseStop = StopSignal(parent: stop)
                    let renewal = await renewal(stopping: leaseStop)
                    await cycle(leaseStop: leaseStop)
                    renewal.cancel()
                    if let loss = renewal.loss, loss.code == .renewDeadlineExceeded { await stepDown(because: loss) }
                    cycleRunning = false
                    policy.fetchFinished(answering: answering)
                    // A newer commit pre-empted the reconcile: fetch and reconcile it at once.
                    nextCycle = preemption == nil ? policy.nextCycle(after: clock.now) : clock.now
                    preemption = nil
                    if pollSoon { nextCycle = min(nextCycle, clock.now + configuration.shardPoll) }
                    // Stepped down: try to take the lease again every retry period, as a standby does.
                    if !leader, shardCoordinator == nil { nextCycle = min(nextCycle, clock.now + configuration.lease.retryPeriod) }
                } else {
                    nextCycle = clock.now + min(configuration.interval, configuration.lease.retryPeriod)
                }
            } else if leader || shardCoordinator != nil {
                _ = await takeLease()
            }
            var wait = nextCycle - clock.now
            if leader || shardCoordinator != nil { wait = min(wait, configuration.lease.retryPeriod) }
            // A trigger that came during the cycle has fired the wake-up too: this returns at
            // once and the next turn fetches, once, for all of them.
            _ = await wakeup.wait(for: max(wait, .milliseconds(10)))
        }
    }

    /// Cuts the running reconcile's waits short: operations in flight finish and are recorded.
    func cutWaits(because reason: String) {
        running?.waits.cancel(reason: reason)
    }

    /// Starts renewing what this replica holds (the state lease, or its shards) every retry
    /// period while a cycle runs; `leaseStop` is stopped (and the running reconcile's waits
    /// cut) when it is lost or not renewed within the renew deadline.
    func renewal(stopping leaseStop: StopSignal) async -> LeaseRenewal {
        let log = logger
        let onLost: @Sendable (StateError) -> Void = { error in
            log.error("lost the lease while working; stopping", metadata: ["error": "\(error)"])
            leaseStop.stop()
            // Waits for readiness are cut short too: the operations in flight finish and are
            // recorded (if the store still takes the writes), and this replica steps down.
            Task { await self.cutWaits(because: "the lease was lost: \(error.message)") }
        }
        if let shardCoordinator { return await shardCoordinator.renewal(onLost: onLost) }
        return lease.renewal(renewedAt: leaseTakenAt ?? clock.now, onLost: onLost)
    }

    /// Steps down after `loss`: a renewal failed for the renew deadline. The state lease, or
    /// the shards held, are released (when the store answers) so that another replica takes
    /// them over at once; this replica takes them again when it can and they are free.
    func stepDown(because loss: StateError) async {
        logger.warning("stepping down: \(loss)")
        leader = false
        leaseTakenAt = nil
        if let shardCoordinator {
            pollSoon = true
            shardsChanged(await shardCoordinator.stepDown())
            await refreshShardTable()
        } else {
            await lease.release()
            metrics.leaseTransition("lost")
            status.phase = .standby
            status.message = "standing by: \(loss)"
        }
    }

    /// Takes or renews the state lease; false while another replica holds it. Sharded, it
    /// balances the shards instead (every replica works: true).
    func takeLease() async -> Bool {
        if let shardCoordinator {
            let changes = await shardCoordinator.balance()
            shardsChanged(changes)
            return true
        }
        do {
            if let previous = try await lease.acquire() {
                logger.notice("took over the state lease of a holder that is gone", metadata: ["previous": "\(previous.holder)"])
            }
            if !leader {
                logger.info("took the state lock", metadata: ["holder": "\(configuration.holder)"])
                metrics.leaseTransition("acquired")
            }
            leader = true
            leaseTakenAt = clock.now
            return true
        } catch {
            // The store did not answer: a leader keeps the lease (nobody else can have taken
            // it) and tries again every retry period, until the renew deadline.
            if leader, error.code != .locked, error.code != .fenced, let taken = leaseTakenAt, clock.now - taken < configuration.lease.renewDeadline {
                logger.warning("cannot renew the state lease; trying again", metadata: ["error": "\(error)"])
                return false
            }
            if leader || status.phase != .standby { logger.notice("standing by: \(error)") }
            if leader { metrics.leaseTransition("lost") }
            leader = false
            status.phase = .standby
            status.message = "standing by: \(error)"
            return false
        }
    }
}
