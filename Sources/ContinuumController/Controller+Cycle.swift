import ContinuumApply
import ContinuumGit
import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import Foundation
import Logging

/// One reconcile cycle.
extension Controller {
    /// Fetches; then, when there is something to do, loads, refreshes, plans and applies.
    func cycle(forced: Bool) async {
        let started = ContinuousClock.now
        let startTime = Date()
        let revision: GitRevision
        do {
            revision = try await source.fetch()
            metrics.fetched(succeeded: true)
            fetchedOnce = true
            status.lastFetchedCommit = revision.commit
            status.lastFetchTime = Date()
        } catch {
            metrics.fetched(succeeded: false)
            if let commit = error.commit { status.lastAttemptedCommit = commit }
            logger.error("fetch failed", metadata: ["error": "\(error)"])
            fail("\(error)", started: started, time: startTime, commit: status.lastFetchedCommit, result: "failed")
            return
        }
        var log = logger
        log[metadataKey: "commit"] = "\(revision.commit.prefix(12))"

        // A new commit: load and validate it. A commit loaded before is not loaded again.
        var candidate: ValidatedSpecs?
        if revision.commit != loadedCommit {
            loadedCommit = revision.commit
            rejection = nil
            status.lastAttemptedCommit = revision.commit
            log.info("new commit", metadata: ["summary": "\(revision.summary)"])
            do {
                var cache = specCache
                defer { specCache = cache }
                candidate = try await ValidatedSpecs.load(revision.directory, cache: &cache)
            } catch {
                reject(revision.commit, because: "its specs are invalid", details: error.diagnostics.map { prefixed($0).description },
                    started: started, time: startTime, logger: log)
                return
            }
        }
        let driftDue = lastFullReconcile.map { ContinuousClock.now - $0 >= configuration.driftInterval } ?? true
        guard candidate != nil || driftDue || backoff.failures > 0 || forced else {
            if rejection == nil, status.phase != .failed { status.phase = .ready }
            return
        }
        guard let target = candidate.map({ DesiredCommit(commit: revision.commit, specs: $0) }) ?? desired else {
            status.phase = .failed
            if let rejection { status.message = rejection }
            return
        }
        status.phase = .reconciling
        let outcome = await renewingLock { await reconcile(target, isNewCommit: candidate != nil, started: startTime, logger: log) }
        // Read the state before publishing the outcome, so a status never shows a new commit
        // with the old counts (the actor may serve requests at every await).
        let snapshot = try? await store.snapshot()
        finish(outcome, target: target, isNewCommit: candidate != nil, started: started, time: startTime, logger: log)
        if let snapshot { updateResourceCounts(snapshot) }
    }

    /// What one full reconcile came to.
    enum Outcome {
        /// Planned and applied (or nothing to apply).
        case applied(plan: Plan, result: ApplyResult?, drifted: [ResourceID])
        /// Drift was found and only reported (`--no-self-heal`).
        case driftReported(plan: Plan, drifted: [ResourceID])
        /// The plan was refused; nothing changed.
        case refused(reason: String, details: [String], drifted: [ResourceID])
        /// Something failed before or during the apply.
        case failed(String, drifted: [ResourceID])
    }

    private func reconcile(_ target: DesiredCommit, isNewCommit: Bool, started: Date, logger: Logger) async -> Outcome {
        let recorder = ResourceEventRecorder(source: "commit \(target.commit.prefix(12))")
        let outcome = await reconcile(target, isNewCommit: isNewCommit, started: started, recorder: recorder, logger: logger)
        try? await store.appendEvents(recorder.drain())
        return outcome
    }

    private func reconcile(_ target: DesiredCommit, isNewCommit: Bool, started: Date, recorder: ResourceEventRecorder, logger: Logger) async -> Outcome {
        let resources = target.specs.resources
        let snapshot: StateSnapshot
        do { snapshot = try await store.snapshot() } catch { return .failed("\(error)", drifted: []) }
        var registry = setup.registry(resources: resources, state: snapshot)
        let desiredResources = target.resources
        let events: @Sendable (ApplyEvent) -> Void = { event in
            recorder.record(event)
            Self.log(event, to: logger, resources: desiredResources)
        }
        do {
            try await JournalRecovery(store: store, registry: registry).recover(events: events)
        } catch {
            return .failed("\(error)", drifted: [])
        }
        let refreshed: Refresher.Result
        do {
            refreshed = try await Refresher(store: store, registry: registry, parallelism: configuration.apply.parallelism).refresh()
        } catch {
            return .failed("\(error)", drifted: [])
        }
        let drifted = refreshed.drifted + refreshed.missing
        metrics.driftDetected(drifted.count)
        recorder.add(refreshed.drifted.map { ResourceEvent(resource: $0, action: "drift detected", source: "refresh", message: "changed outside Continuum") })
        recorder.add(refreshed.missing.map { ResourceEvent(resource: $0, action: "deleted outside Continuum", source: "refresh") })
        for id in drifted { logger.warning("drift detected", metadata: ["resource": "\(id)"]) }
        registry = setup.registry(resources: resources, state: refreshed.snapshot)
        let plan: Plan
        do {
            plan = try self.plan(target, state: refreshed, registry: registry)
        } catch {
            return .refused(reason: "its plan is refused", details: error.diagnostics.map { prefixed($0).description }, drifted: drifted)
        }
        if let limit = configuration.maximumDestroys, plan.summary.destroy + plan.summary.replace > limit {
            return .refused(
                reason: "its plan destroys \(plan.summary.destroy + plan.summary.replace) resources (\(plan.summary.destroy) deleted, \(plan.summary.replace) replaced), over --max-destroy \(limit)",
                details: ["review the change; raise --max-destroy if it is intended"], drifted: drifted)
        }
        if !isNewCommit, !configuration.selfHeal, !drifted.isEmpty {
            return .driftReported(plan: plan, drifted: drifted)
        }
        guard plan.hasChanges else { return .applied(plan: plan, result: nil, drifted: drifted) }
        logger.info("applying", metadata: ["plan": "\(plan.summary.line)"])
        do {
            try await store.recordProviders(ProviderSetup.specs(of: resources))
            var options = configuration.apply
            options.holder = configuration.holder
            let result = try await Executor(options: options).apply(plan, resources: resources, store: store, registry: registry, stop: stop, events: events)
            try? await store.appendHistory(ApplyRecord(
                startedAt: started, finishedAt: Date(),
                source: "\(configuration.source.displayURL) commit \(target.commit)", summary: plan.summary.line,
                outcome: result.succeeded ? "succeeded" : result.interrupted ? "interrupted" : "failed: \(result.failures) operations"))
            metrics.operations(result.report)
            return .applied(plan: plan, result: result, drifted: drifted)
        } catch {
            return .failed("\(error)", drifted: drifted)
        }
    }

    /// Plans `target` against the refreshed state: incrementally from the last plan's memo
    /// when that was made against the same stored state, in full otherwise.
    private func plan(_ target: DesiredCommit, state refreshed: Refresher.Result, registry: ProviderRegistry) throws(DiagnosticsError) -> Plan {
        let planner = Planner(options: PlanOptions(prune: configuration.prune, providerImmutableFields: registry.immutableFields))
        let planned: (plan: Plan, memo: PlanningMemo)
        if refreshed.matchesStore, let previous = planningMemo, previous.memo.matches(refreshed.snapshot) {
            let sameCommit = previous.commit == target.commit
            let replanned = try planner.replan(resources: target.specs.resources, state: refreshed.snapshot, memo: previous.memo, edited: sameCommit ? [] : nil)
            planned = (replanned.plan, replanned.memo)
        } else {
            planned = try planner.planWithMemo(resources: target.specs.resources, graph: target.specs.graph, state: refreshed.snapshot)
        }
        planningMemo = refreshed.matchesStore ? (target.commit, planned.memo) : nil
        return planned.plan
    }

    private func finish(_ outcome: Outcome, target: DesiredCommit, isNewCommit: Bool, started: ContinuousClock.Instant, time: Date, logger: Logger) {
        switch outcome {
        case .refused(let reason, let details, let drifted):
            self.drifted = Set(drifted)
            if isNewCommit {
                reject(target.commit, because: reason, details: details, started: started, time: time, logger: logger)
            } else {
                fail("the plan of commit \(target.commit.prefix(12)) is refused: \(reason)", started: started, time: time, commit: target.commit, result: "rejected")
            }
        case .failed(let message, let drifted):
            self.drifted = Set(drifted)
            if isNewCommit { desired = target }
            logger.error("reconcile failed", metadata: ["error": "\(message)"])
            fail(message, started: started, time: time, commit: target.commit, result: "failed")
        case .driftReported(let plan, let drifted):
            self.drifted = Set(drifted)
            lastFullReconcile = ContinuousClock.now
            backoff.succeed()
            status.phase = .ready
            status.message = "drift found in \(drifted.count) resource\(drifted.count == 1 ? "" : "s") (\(drifted.map(\.description).joined(separator: ", "))); self-heal is off, so it is only reported"
            record(result: "drift reported", plan: plan, drifted: drifted, started: started, time: time, commit: target.commit, metricResult: "success")
        case .applied(let plan, let result, let drifted):
            desired = target
            lastFullReconcile = ContinuousClock.now
            let succeeded = result?.succeeded ?? true
            self.drifted = succeeded ? [] : Set(drifted)
            if succeeded {
                backoff.succeed()
                status.lastAppliedCommit = target.commit
                metrics.applied(at: Date())
                status.phase = rejection == nil ? .ready : .failed
                status.message = rejection ?? (plan.hasChanges ? "applied commit \(target.commit.prefix(12)): \(result?.summaryLine ?? "")" : "commit \(target.commit.prefix(12)) is applied; no changes")
                if !drifted.isEmpty, rejection == nil { status.message += "; corrected drift in \(drifted.map(\.description).joined(separator: ", "))" }
                logger.info("reconciled", metadata: ["plan": "\(plan.summary.line)"])
            } else {
                backoff.fail()
                status.phase = .failed
                status.message = "commit \(target.commit.prefix(12)): \(result?.summaryLine ?? "")"
                logger.error("apply failed", metadata: ["result": "\(result?.summaryLine ?? "")"])
            }
            record(result: plan.hasChanges ? (succeeded ? "applied" : "failed") : "no changes", plan: plan, drifted: drifted,
                started: started, time: time, commit: target.commit, metricResult: succeeded ? "success" : "failure", report: result?.report)
        }
    }

    /// A commit that is not applied: the last good one stays, the status says why.
    private func reject(_ commit: String, because reason: String, details: [String], started: ContinuousClock.Instant, time: Date, logger: Logger) {
        let kept = desired.map { "the last good commit \($0.commit.prefix(12)) stays applied" } ?? "no commit has been applied yet"
        let shown = details.prefix(20).joined(separator: "\n") + (details.count > 20 ? "\n... and \(details.count - 20) more" : "")
        let message = "commit \(commit.prefix(12)) was not applied: \(reason); \(kept); push a fix\n\(shown)"
        rejection = message
        logger.error("commit rejected", metadata: ["reason": "\(reason)", "problems": "\(details.count)"])
        for line in details.prefix(20) { logger.error("\(line)") }
        status.phase = .failed
        status.message = message
        record(result: "rejected", plan: nil, drifted: [], started: started, time: time, commit: commit, metricResult: "rejected")
    }

    private func fail(_ message: String, started: ContinuousClock.Instant, time: Date, commit: String?, result: String) {
        backoff.fail()
        status.phase = .failed
        status.message = message + (backoff.delay.map { "; retrying in \(DurationText.format($0))" } ?? "")
        record(result: result, plan: nil, drifted: Array(drifted), started: started, time: time, commit: commit, metricResult: result == "rejected" ? "rejected" : "failure")
    }

    private func record(
        result: String, plan: Plan?, drifted: [ResourceID], started: ContinuousClock.Instant, time: Date, commit: String?, metricResult: String,
        report: ApplyReport? = nil
    ) {
        let duration = ContinuousClock.now - started
        metrics.reconciled(result: metricResult, duration: duration)
        let counts = plan.map { ControllerStatus.PlanCounts(add: $0.summary.add, change: $0.summary.change, replace: $0.summary.replace, destroy: $0.summary.destroy, summary: $0.summary.line) }
        status.lastReconcile = ControllerStatus.Reconcile(
            time: time, durationSeconds: duration.timeInterval, commit: commit, result: result, plan: counts, drifted: drifted.map(\.description))
        if let report {
            failures = Dictionary(report.actions.compactMap { action in
                action.outcome == "failed" ? ResourceID(parsing: action.resource).map { ($0, action.error ?? "failed") } : nil
            }) { first, _ in first }
        } else if plan != nil {
            failures = [:]
        }
    }

    /// A diagnostic with its file named from the Git repository's root (`--path` prefixed).
    private func prefixed(_ diagnostic: Diagnostic) -> Diagnostic {
        guard let path = configuration.source.path, !path.isEmpty, let file = diagnostic.location?.file else { return diagnostic }
        var diagnostic = diagnostic
        diagnostic.location?.file = (path.hasSuffix("/") ? path : path + "/") + file
        return diagnostic
    }

    private static func log(_ event: ApplyEvent, to logger: Logger, resources: [ResourceID: Resource]) {
        var logger = logger
        let id: ResourceID = switch event {
        case .recovered(let id, _), .started(let id, _), .retrying(let id, _, _, _), .finished(let id, _, _, _), .skipped(let id, _, _): id
        }
        if let provider = resources[id]?.spec.providerName { logger[metadataKey: "provider"] = "\(provider)" }
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
