import ContinuumApply
import ContinuumEngine
import ContinuumGit
import ContinuumNotify
import ContinuumPlanner
import ContinuumProvider
import ContinuumSpec
import ContinuumState
import Foundation
import Logging

/// One reconcile cycle: fetch, then the engine's reconciliation when the policy says one
/// is due; the policy's verdict is published as the status.
extension Controller {
    /// Fetches; then, when there is something to do, loads and reconciles. `leaseStop` is
    /// stopped when the lease renewed beside the cycle is lost.
    func cycle(leaseStop: StopSignal) async {
        // Sharded: a cycle that came early to let waiting steps go on (or after a takeover)
        // re-plans against the recorded state; the live state is read on the drift schedule.
        let polled = pollSoon
        pollSoon = false
        let started = clock.now
        let startTime = Date()
        let revision: GitRevision
        do {
            // The operator's controls first: a pinned commit replaces the tracked reference.
            if let read = try? await store.controls() {
                controls = read
                if status.lastAppliedCommit == nil { status.lastAppliedCommit = read[Self.appliedKey] }
            }
            revision = try await source.fetch(pinnedCommit.map(GitReference.commit), changesSince: cachedCommit)
            metrics.fetched(succeeded: true)
            fetchedOnce = true
            status.lastFetchedCommit = revision.commit
            status.pinnedCommit = pinnedCommit
            status.lastFetchTime = Date()
        } catch {
            metrics.fetched(succeeded: false)
            if let commit = error.commit { status.lastAttemptedCommit = commit }
            logger.error("fetch failed", metadata: ["error": "\(error)"])
            publish(policy.fetchFailed("\(error)"), commit: status.lastFetchedCommit, plan: nil, drifted: drifted.sorted(), started: started, time: startTime)
            return
        }
        var log = logger
        log[metadataKey: "commit"] = "\(revision.commit.prefix(12))"

        // A new commit: load and validate it. A commit loaded before is not loaded again.
        var candidate: ValidatedSpecs?
        var editedSince: (base: String, positions: [Int])?
        if revision.commit != loadedCommit {
            loadedCommit = revision.commit
            policy.newCommit()
            status.lastAttemptedCommit = revision.commit
            log.info("new commit", metadata: ["summary": "\(revision.summary)"])
            do {
                var cache = specCache
                let base = cachedCommit
                defer {
                    specCache = cache
                    cachedCommit = revision.commit
                }
                candidate = try await ValidatedSpecs.load(revision.directory, catalog: catalog, cache: &cache, changedFiles: revision.changedFiles)
                editedSince = base.flatMap { base in cache.editedPositions.map { (base, $0) } }
                log.debug("commit loaded", metadata: ["resources": "\(candidate?.resources.count ?? 0)"])
            } catch {
                let verdict = policy.rejected(revision.commit, because: "its specs are invalid",
                    details: error.diagnostics.map { prefixed($0).description }, keeping: desired?.commit)
                log.error("commit rejected", metadata: ["reason": "its specs are invalid", "problems": "\(error.diagnostics.count)"])
                publish(verdict, commit: revision.commit, plan: nil, drifted: [], started: started, time: startTime)
                notifier.post(ReconcileNotice(event: .rejected, commit: revision.commit, summary: "its specs are invalid: \(error.diagnostics.count) error\(error.diagnostics.count == 1 ? "" : "s")", message: verdict.message))
                return
            }
        }
        guard policy.isDue(now: clock.now, newCommit: candidate != nil) else {
            status.phase = policy.idle(phase: status.phase)
            showHeldCommit()
            return
        }
        guard let target = candidate.map({ DesiredCommit(commit: revision.commit, tree: revision.tree, specs: $0, edited: editedSince) }) ?? desired else {
            status.phase = .failed
            if let rejection = policy.rejection { status.message = rejection }
            return
        }
        // Fetching and loading may have taken longer than the lease: take it again (or
        // learn it was lost) right before changing anything, unless it was just renewed.
        if shardCoordinator != nil {
            // Sharded: every replica plans the whole graph; the shards it holds are balanced
            // now, before any of their operations is in flight.
            await balanceShards(for: target)
        } else if leaseTakenAt.map({ clock.now - $0 >= configuration.lease.retryPeriod }) ?? true {
            guard await takeLease() else { return }
        }
        // The lease was lost (or not renewed in time) while fetching and loading: nothing starts.
        if leaseStop.isStopped, !stop.isStopped { return }
        status.phase = .reconciling
        let isNewCommit = candidate != nil
        refreshes = !(shardCoordinator != nil && polled && !isNewCommit && lastRefresh.map { clock.now - $0 < configuration.driftInterval } ?? false)
        if refreshes { lastRefresh = clock.now }
        if isNewCommit { notifier.post(ReconcileNotice(event: .started, commit: target.commit, summary: "reconciling", message: "reconciling commit \(target.commit.prefix(12))")) }
        let cycleStop = StopSignal(parent: leaseStop)
        let waits = WaitCancellation()
        if stop.isStopped { waits.cancel(reason: "the controller is shutting down") }
        let cycleLog = log
        preemption = nil
        running = RunningReconcile(commit: target.commit, waits: waits, stop: cycleStop)
        // A newer commit pre-empts the reconcile's waits (never a pinned commit's). The watch
        // is not awaited: a fetch that hangs must not hold the verdict back.
        let watch = pinnedCommit == nil ? Task { await self.watchForNewerCommit(than: target.commit, logger: cycleLog) } : nil
        let outcome: ReconcileOutcome = await WaitCancellation.$current.withValue(waits) {
            await reconcile(target, isNewCommit: isNewCommit, stop: cycleStop, logger: cycleLog)
        }
        if shardCoordinator != nil { await refreshShardTable() }
        watch?.cancel()
        running = nil
        // Stopped, but not by the process's shutdown nor a newer commit: the lease was lost
        // (a renewal found it taken or could not renew it in time, or the store fenced a
        // write). Step down; the next cycle takes the lease again, or stands by while
        // another replica holds it.
        if cycleStop.isStopped, !stop.isStopped, preemption == nil {
            log.warning("stepping down: the lease was lost or could not be renewed")
            leader = false
            leaseTakenAt = nil
            if shardCoordinator != nil { pollSoon = true }
        }
        metrics.driftDetected(outcome.drift.all.count)
        for id in outcome.drift.all { log.warning("drift detected", metadata: ["resource": "\(id)"]) }
        if case .applied(let planned, _) = outcome { planningMemo = planned.memo.map { (target.commit, $0) } } else { planningMemo = nil }
        if case .applied(_, let result?) = outcome { metrics.operations(result.report) }
        var verdict = policy.finished(outcome, commit: target.commit, newCommit: isNewCommit, keeping: desired?.commit, now: clock.now)
        if case .declined(let planned) = outcome {
            if let held = heldForReview, held.commit == target.commit {
                verdict = policy.held(held.message)
            } else if controls[Self.suspendedKey] != nil {
                verdict = policy.suspended("suspended by an operator (\(controls[Self.suspendedKey] ?? "")): commit \(target.commit.prefix(12)) is planned and not applied: \(planned.plan.summary.line) `continuum resume --server URL` resumes")
            }
        }
        if case .applied(_, let result?) = outcome, result.waiting > 0, verdict.result == .applied {
            // Sharded: this replica's part is done; the rest waits for other shards' holders.
            policy.workPending()
            pollSoon = true
            verdict.phase = .reconciling
            verdict.applied = nil
            verdict.message = "commit \(target.commit.prefix(12)): the shards held here are applied; \(result.waiting) operation\(result.waiting == 1 ? "" : "s") wait for other shards"
        }
        // A newer commit counts as pre-empting only what it cut: an apply that finished first
        // keeps its own verdict (the newer commit is still fetched at once).
        if let preemption, case .applied(_, let result?) = outcome, result.interrupted {
            verdict = policy.preempted(outcome, commit: target.commit, by: preemption)
        }
        let appliedBefore = status.lastAppliedCommit
        if verdict.adopt { desired = target }
        drifted = verdict.result == .applied || verdict.result == .noChanges ? [] : Set(outcome.drift.all)
        if case .applied(_, let result?) = outcome {
            failures = Dictionary(result.report.actions.compactMap { $0.outcome == .failed ? ($0.resource, $0.error ?? "failed") : nil }) { first, _ in first }
        } else if outcome.plan != nil {
            failures = [:]
        }
        logVerdict(of: outcome, logger: log)
        // Read the state before publishing the outcome, so a status never shows a new commit
        // with the old counts (the actor may serve requests at every await).
        let snapshot = try? await store.snapshot()
        log.debug("state read")
        publish(verdict, commit: target.commit, plan: outcome.plan, drifted: outcome.drift.all.sorted(), started: started, time: startTime)
        status.lastReconcile?.digest = outcome.plan.map { PlanDigest($0, tree: target.tree) }
        if let applied = verdict.applied {
            status.lastAppliedCommit = applied
            metrics.applied(at: Date())
        }
        if let snapshot { updateResourceCounts(snapshot) }
        // The status is whole now; what follows may suspend (the actor serves requests).
        // Kept in the state: a restarted controller (or another replica) knows which commit
        // is applied, for the plans' base and the review gate; and which plan was executed.
        if let applied = verdict.applied, applied != appliedBefore { try? await store.setControl(Self.appliedKey, to: applied) }
        if case .applied(let planned, _?) = outcome, planned.plan.hasChanges {
            await rememberExecuted(PlanDigest(planned.plan, tree: target.tree), commit: target.commit, tree: target.tree)
        }
        showHeldCommit()
        HeapTrim.afterReconcile()
        // A commit applied for the first time is reported applied, also when it took retries.
        let firstApplied = verdict.applied != nil && verdict.applied != appliedBefore
        if let event = Self.event(of: verdict, newCommit: isNewCommit || firstApplied, drifted: !outcome.drift.all.isEmpty) {
            notifier.post(ReconcileNotice(event: event, commit: target.commit, summary: outcome.plan?.summary.line ?? verdict.message, message: verdict.message))
        }
    }

    /// Watches the tracked reference while a reconcile of `commit` runs: every interval, and
    /// at once on a trigger (a webhook, `continuum reconcile`). When it names a newer commit
    /// (signed, when signatures are verified), the reconcile is pre-empted. Ends when
    /// cancelled, which the reconcile's end does.
    private func watchForNewerCommit(than commit: String, logger: Logger) async {
        while !Task.isCancelled {
            _ = await newerCommitWakeup.wait(for: configuration.interval)
            guard !Task.isCancelled else { return }
            // Checked again after the fetch: a reconcile that ended meanwhile is not pre-empted.
            guard let head = try? await source.head(), head != commit, head != loadedCommit, !Task.isCancelled else { continue }
            preempt(skipping: head, by: "the newer commit \(head.prefix(12))", logger: logger)
            return
        }
    }

    /// Pre-empts the running reconcile (unless it reconciles `commit`): its waits
    /// (readiness, retries' backoff) are cut short and no further operation starts;
    /// operations in flight finish and are recorded, and the loop fetches again at once.
    /// `reason` says by what: a newer commit, a pin, a suspension.
    func preempt(skipping commit: String? = nil, by reason: String, logger: Logger) {
        guard let running, running.commit != commit, preemption == nil else { return }
        preemption = reason
        logger.notice("pre-empting the reconcile: waits are cut short, operations in flight finish", metadata: ["by": "\(reason)"])
        running.waits.cancel(reason: reason)
        running.stop.stop()
    }

    /// What a verdict is reported as: a new commit applied (or needing nothing), drift
    /// corrected on the applied one, a failure, a rejection or a hold; nil for a no-change
    /// check of the applied commit and for drift only reported.
    static func event(of verdict: ReconcilePolicy.Verdict, newCommit: Bool, drifted: Bool) -> NotificationTarget.Event? {
        switch verdict.result {
        case .applied, .noChanges: newCommit ? .applied : (drifted ? .driftCorrected : nil)
        case .failed: .failed
        case .rejected: .rejected
        case .held: .held
        case .preempted: .preempted
        case .driftReported, .suspended: nil
        }
    }

    /// While a new commit is held for review, the status says so, not merely Ready (the
    /// applied commit's drift is still corrected meanwhile).
    private func showHeldCommit() {
        guard let held = heldForReview, status.phase == .ready else { return }
        status.phase = .held
        status.message = held.message
    }

    private func reconcile(_ target: DesiredCommit, isNewCommit: Bool, stop: StopSignal, logger: Logger) async -> ReconcileOutcome {
        var reconciler = self.reconciler
        reconciler.logger = logger
        reconciler.options.apply.ownership = await shardCoordinator?.ownership()
        reconciler.options.refresh = refreshes
        reconciler.options.correctDrift = policy.correctsDrift(newCommit: isNewCommit)
        reconciler.options.held = suspendedResources
        let hint = planningMemo.map { PlanningHint(memo: $0.memo, edited: target.edited(since: $0.commit)) }
        return await reconciler.reconcile(
            target.specs, source: "commit \(target.commit.prefix(12))", hint: hint,
            approve: { planned in
                guard await !self.isSuspended else {
                    logger.notice("suspended: nothing is applied", metadata: ["plan": "\(planned.plan.summary.line)"])
                    return false
                }
                guard await self.mayApply(planned, of: target, logger: logger) else { return false }
                logger.info("applying", metadata: ["plan": "\(planned.plan.summary.line)"])
                return true
            },
            stop: stop,
            events: { event in Self.log(event, to: logger, desired: target) })
    }

    /// Publishes a verdict: phase, message and the last reconcile, with metrics.
    private func publish(_ verdict: ReconcilePolicy.Verdict, commit: String?, plan: Plan?, drifted: [ResourceID], started: ContinuousClock.Instant, time: Date) {
        let duration = clock.now - started
        status.phase = verdict.phase
        status.message = verdict.message
        let metricResult = switch verdict.result {
        case .applied, .noChanges, .driftReported: "success"
        case .rejected: "rejected"
        case .held: "held"
        case .suspended: "suspended"
        case .preempted: "preempted"
        case .failed: "failure"
        }
        metrics.reconciled(result: metricResult, duration: duration)
        let counts = plan.map(ControllerStatus.PlanCounts.init)
        status.lastReconcile = ControllerStatus.Reconcile(
            time: time, durationSeconds: duration.timeInterval, commit: commit, result: verdict.result, plan: counts, drifted: drifted.map(\.description))
    }

    private func logVerdict(of outcome: ReconcileOutcome, logger: Logger) {
        switch outcome {
        case .refused(let refusal, _):
            logger.error("commit rejected", metadata: ["reason": "\(refusal.reason)", "problems": "\(refusal.diagnostics.count)"])
            for diagnostic in refusal.diagnostics.prefix(20) { logger.error("\(prefixed(diagnostic))") }
        case .failed(let failure, _):
            logger.error("reconcile failed", metadata: ["error": "\(failure)"])
        case .applied(let planned, let result):
            if result?.succeeded ?? true {
                logger.info("reconciled", metadata: ["plan": "\(planned.plan.summary.line)"])
            } else {
                logger.error("apply failed", metadata: ["result": "\(result?.summaryLine ?? "")"])
            }
        case .declined, .driftReported:
            break
        }
    }

    /// A diagnostic with its file named from the Git repository's root (`--path` prefixed).
    func prefixed(_ diagnostic: Diagnostic) -> Diagnostic {
        guard let path = configuration.source.path, !path.isEmpty, let file = diagnostic.location?.file else { return diagnostic }
        var diagnostic = diagnostic
        diagnostic.location?.file = (path.hasSuffix("/") ? path : path + "/") + file
        return diagnostic
    }

    private static func log(_ event: ApplyEvent, to logger: Logger, desired: DesiredCommit) {
        var logger = logger
        let id: ResourceID = switch event {
        case .recovered(let id, _), .started(let id, _), .retrying(let id, _, _, _), .finished(let id, _, _, _), .skipped(let id, _, _): id
        }
        if let provider = desired.resource(id)?.spec.providerName { logger[metadataKey: "provider"] = "\(provider)" }
        switch event {
        case .finished(let id, let operation, let elapsed, .succeeded):
            logger.info("\(operation.rawValue) succeeded", metadata: ["resource": "\(id)", "elapsed": "\(DurationText.format(elapsed))"])
        case .finished(let id, let operation, _, .failed(let message)):
            logger.error("\(operation.rawValue) failed", metadata: ["resource": "\(id)", "error": "\(message)"])
        case .retrying(let id, let operation, let attempt, let error):
            logger.warning("\(operation.rawValue) retrying", metadata: ["resource": "\(id)", "attempt": "\(attempt)", "error": "\(error)"])
        case .skipped(let id, let operation, let reason):
            logger.warning("\(operation.rawValue) skipped", metadata: ["resource": "\(id)", "reason": "\(reason)"])
        case .recovered(let id, let resolution):
            logger.notice("recovered an interrupted operation", metadata: ["resource": "\(id)", "resolution": "\(resolution.rawValue)"])
        case .started(let id, let operation):
            logger.debug("\(operation.rawValue) started", metadata: ["resource": "\(id)"])
        }
    }
}
