import ContinuumGit
import ContinuumPlanner
import ContinuumSpec
public import ContinuumState
public import Logging
public import ServiceLifecycle
import ContinuumApply
import ContinuumSim
import Foundation

/// The reconcile loop: fetch the Git source every `interval` (or at once when woken by a
/// webhook), and when the commit changed, a retry is due or drift should be checked:
/// load and validate the specs, refresh live state, plan, apply, record. An invalid or
/// refused commit changes nothing: the last good commit stays applied and the status says
/// why. Only the replica holding the state lock works; others stand by and take over.
/// A `Service`: graceful shutdown lets in-flight operations finish and be recorded.
public actor Controller: Service {
    /// How it runs.
    public nonisolated let configuration: ControllerConfiguration
    /// The state store.
    public nonisolated let store: SQLiteStateStore
    let source: GitSource
    let setup: ProviderSetup
    let metrics: ControllerMetrics
    let logger: Logger
    let wakeup = Wakeup()
    let stop = StopSignal()

    var status: ControllerStatus
    /// The newest commit that loaded and planned, and its specs: what drift is corrected to.
    var desired: DesiredCommit?
    /// The newest commit loaded, good or not, so a bad one is not loaded again and again.
    var loadedCommit: String?
    /// The files parsed for earlier commits: a new commit re-parses only the changed ones.
    var specCache = SpecLoadCache()
    /// The last plan's memo, made against a state that matched the store: the next plan
    /// against the same state re-diffs only what changed (nothing, for the same commit).
    var planningMemo: (commit: String, memo: PlanningMemo)?
    /// Why `loadedCommit` was not applied, if it was not.
    var rejection: String?
    var backoff: Backoff
    var lastFullReconcile: ContinuousClock.Instant?
    /// The resources whose last operation failed, with the error.
    var failures: [ResourceID: String] = [:]
    var drifted: Set<ResourceID> = []
    /// What the resource counts were last computed from; an unchanged reconcile skips the recount.
    var countedFrom: ResourceCountInputs?
    var fetchedOnce = false
    var leader = false

    /// Creates a controller; nothing runs until `run()`.
    public init(configuration: ControllerConfiguration, metrics: ControllerMetrics, logger: Logger) {
        self.configuration = configuration
        self.store = SQLiteStateStore(path: configuration.statePath)
        self.source = GitSource(options: configuration.source)
        self.setup = ProviderSetup(world: SimWorld(path: configuration.simWorldPath), secretsDirectory: ProviderSetup.secretsDirectory(forState: configuration.statePath))
        self.metrics = metrics
        self.logger = logger
        self.backoff = Backoff(initial: configuration.interval, maximum: configuration.maximumBackoff)
        self.status = ControllerStatus(
            phase: .reconciling, message: "starting: the source has not been fetched yet", repository: configuration.source.displayURL,
            reference: configuration.source.reference.description, resources: [:], leader: false)
    }

    /// Runs until cancelled or gracefully shut down; releases the state lock on the way out.
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
        if leader { try? await store.unlock(holder: configuration.holder) }
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
        let clock = ContinuousClock()
        var nextCycle = clock.now
        var woken = false
        while !stop.isStopped, !Task.isCancelled {
            if woken || clock.now >= nextCycle {
                if await takeLock() {
                    await cycle(forced: woken)
                    nextCycle = clock.now + (backoff.delay ?? configuration.interval)
                    if let last = lastFullReconcile { nextCycle = min(nextCycle, last + configuration.driftInterval) }
                } else {
                    nextCycle = clock.now + min(configuration.interval, configuration.lockLease / 2)
                }
            } else if leader {
                _ = await takeLock()
            }
            var wait = nextCycle - clock.now
            if leader { wait = min(wait, configuration.lockLease / 3) }
            woken = await wakeup.wait(for: max(wait, .milliseconds(10)))
        }
    }

    /// Takes or renews the state lock; false while another replica holds it.
    private func takeLock() async -> Bool {
        let process = ProcessInfo.processInfo
        do {
            try await store.lock(holder: configuration.holder, for: configuration.lockLease, host: process.hostName, processID: process.processIdentifier)
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

    /// Keeps the lock renewed while a long cycle runs.
    func renewingLock<T: Sendable>(_ body: () async -> T) async -> T {
        let store = self.store
        let configuration = self.configuration
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: configuration.lockLease / 3)
                if Task.isCancelled { break }
                try? await store.lock(holder: configuration.holder, for: configuration.lockLease, host: ProcessInfo.processInfo.hostName,
                    processID: ProcessInfo.processInfo.processIdentifier)
            }
        }
        defer { renewal.cancel() }
        return await body()
    }
}
