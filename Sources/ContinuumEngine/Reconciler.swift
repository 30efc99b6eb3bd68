public import ContinuumApply
public import ContinuumPlanner
import ContinuumSpec
public import ContinuumState
import Foundation
public import Logging

/// The one way from validated specs to provider calls, which `plan`, `apply`, `destroy`,
/// the controller, the test harnesses and the benchmarks all take:
/// recover → refresh → plan (or re-plan from a memo) → policy → approve → apply → record.
///
/// Whoever changes the state holds its `StateLease` around `reconcile` and `apply(saved:)`;
/// `plan` changes nothing and needs none.
public struct Reconciler: Sendable {
    /// The state store.
    public let store: any StateStore
    /// The provider factories.
    public let catalog: ProviderCatalog
    /// What it may do.
    public var options: ReconcileOptions
    /// Where the phases of a reconcile (recovered, refreshed, planned) are logged, at debug
    /// level with their durations.
    public var logger = Logger(label: "continuum.engine")

    /// Creates a reconciler.
    public init(store: any StateStore, catalog: ProviderCatalog, options: ReconcileOptions = ReconcileOptions()) {
        self.store = store
        self.catalog = catalog
        self.options = options
    }

    /// An event sink.
    public typealias Events = @Sendable (ApplyEvent) -> Void
    /// Decides whether a plan with changes is applied: a person at a prompt, or a policy.
    public typealias Approval = @Sendable (PlannedChange) async -> Bool

    /// Plans `specs` against the live state and changes nothing: the refresh is not
    /// persisted and an interrupted apply is not recovered; its unsettled resources are held.
    /// Providers are read as last applied: a spec not merged yet starts no program and
    /// reads no credential of a provider configuration nobody applied.
    /// - Throws: `ReconcileError` when the plan is refused or the state cannot be read.
    public func plan(_ specs: ValidatedSpecs, hint: PlanningHint? = nil) async throws(ReconcileError) -> PlannedChange {
        let snapshot = try await stateSnapshot()
        let registry = catalog.registry(resources: specs.providers, state: snapshot, basis: .appliedOnly)
        let pending: [JournalEntry]
        do { pending = try await store.pendingIntents() } catch { throw .failed(ReconcileFailure(.state, error.description)) }
        var held: [ResourceID: String] = [:]
        for entry in pending {
            held[entry.resource] = "an interrupted \(entry.operation.rawValue) on it is not settled yet; `continuum apply` settles it first"
        }
        var (planned, _) = try await planLive(specs, registry: registry, persist: false, held: held, hint: hint)
        planned.plan.unsettledIntents = pending.count
        return planned
    }

    /// Reconciles `specs`: recovers an interrupted apply, refreshes (persisted), plans,
    /// checks the policy, asks `approve`, applies, and records the resources' events and
    /// the history. `source` names where the specs came from in events and history.
    public func reconcile(
        _ specs: ValidatedSpecs, source: String, hint: PlanningHint? = nil, approve: Approval = { _ in true }, stop: StopSignal = StopSignal(),
        events: @escaping Events = { _ in }
    ) async -> ReconcileOutcome {
        let recorder = ResourceEventRecorder(source: source)
        let outcome = await reconcile(specs, source: source, hint: hint, approve: approve, stop: stop, recorder: recorder, events: events)
        await record(recorder.drain(), specs: specs, plan: outcome.plan, stop: stop)
        return outcome
    }

    /// Applies a plan saved by `continuum plan --out` as it was reviewed, after recovering an
    /// interrupted apply. It is refused, with the command to run, when the plan was made
    /// over unsettled operations, when any provider call was journalled since, or when the
    /// state moved since.
    public func apply(
        saved plan: Plan, specs: ValidatedSpecs, source: String, approve: Approval = { _ in true }, stop: StopSignal = StopSignal(),
        events: @escaping Events = { _ in }
    ) async -> ReconcileOutcome {
        let recorder = ResourceEventRecorder(source: source)
        let emit = Self.recording(to: recorder, events)
        let outcome: ReconcileOutcome
        do throws(ReconcileError) {
            // What an interrupted apply left is settled through the providers as they were
            // applied; the saved plan's own operations go through the reviewed specs.
            let recovery = try await recover(catalog.registry(resources: specs.providers, state: try await stateSnapshot(), basis: .recorded), events: emit)
            let again = "run `continuum plan --out FILE` again and review the new plan"
            if plan.unsettledIntents > 0 {
                throw .failed(ReconcileFailure(.savedPlan,
                    "the saved plan was made while \(plan.unsettledIntents) operation\(plan.unsettledIntents == 1 ? "" : "s") of an interrupted apply were not settled, so it may repeat what they did; \(again)"))
            }
            if let (id, reason) = recovery.unsettled.min(by: { $0.key < $1.key }) {
                throw .failed(ReconcileFailure(.savedPlan, "\(id): \(reason); the saved plan is not applied until it is settled: run `continuum apply` when the provider answers"))
            }
            let position = try await journalPosition()
            if plan.journalPosition == nil, position != 0 {
                throw .failed(ReconcileFailure(.savedPlan, "the saved plan does not say which journal position it was made at (an older format); \(again)"))
            }
            if let planned = plan.journalPosition, planned != position {
                throw .failed(ReconcileFailure(.savedPlan,
                    "provider calls were made since the saved plan was made (journal position \(planned), now \(position)); \(again)"))
            }
            try SavedPlanCheck(plan: plan, specs: specs, state: try await stateSnapshot()).verify()
            let planned = PlannedChange(plan: plan, memo: nil, drift: Drift())
            guard plan.hasChanges else { return .applied(planned, result: nil) }
            guard await approve(planned) else { return .declined(planned) }
            let registry = catalog.registry(resources: specs.providers, state: try await stateSnapshot())
            outcome = try await execute(planned, specs: specs, registry: registry, source: source, apply: options.apply, stop: stop, events: emit)
        } catch {
            outcome = error.outcome(drift: Drift())
        }
        await record(recorder.drain(), specs: specs, plan: plan, stop: stop)
        return outcome
    }

    private func reconcile(
        _ specs: ValidatedSpecs, source: String, hint: PlanningHint?, approve: Approval, stop: StopSignal, recorder: ResourceEventRecorder, events: @escaping Events
    ) async -> ReconcileOutcome {
        let emit = Self.recording(to: recorder, events)
        var drift = Drift()
        do throws(ReconcileError) {
            // Recovery and refresh look for the recorded objects where they were applied: a
            // spec that points a provider elsewhere must not make them look gone.
            let clock = ContinuousClock(), started = clock.now
            let applied = catalog.registry(resources: specs.providers, state: try await stateSnapshot(), basis: .recorded)
            let recovery = try await recover(applied, events: emit)
            logger.debug("recovered", metadata: ["elapsed": "\(clock.now - started)"])
            let (planned, registry) = try await planLive(specs, registry: applied, persist: true, held: recovery.unsettled, hint: hint)
            logger.debug("planned", metadata: ["elapsed": "\(clock.now - started)", "plan": "\(planned.plan.summary.line)"])
            drift = planned.drift
            recorder.add(drift.drifted.map { ResourceEvent(resource: $0, action: "drift detected", source: "refresh", message: "changed outside Continuum") })
            recorder.add(drift.missing.map { ResourceEvent(resource: $0, action: "deleted outside Continuum", source: "refresh") })
            let plan = planned.plan
            let destroys = plan.summary.destroy + plan.summary.replace
            if let limit = options.maximumDestroys, destroys > limit {
                throw .refused(Refusal(
                    reason: "its plan destroys \(destroys) resources (\(plan.summary.destroy) deleted, \(plan.summary.replace) replaced), over --max-destroy \(limit)",
                    remedy: "review the change; raise --max-destroy if it is intended"))
            }
            if !options.correctDrift, !drift.isEmpty { return .driftReported(planned) }
            guard plan.hasChanges else { return .applied(planned, result: nil) }
            guard await approve(planned) else { return .declined(planned) }
            var apply = options.apply
            apply.resumedCreateKeys = recovery.interruptedCreates
            return try await execute(planned, specs: specs, registry: registry, source: source, apply: apply, stop: stop, events: emit)
        } catch {
            return error.outcome(drift: drift)
        }
    }

    /// Records the providers, runs the executor, records the history. A plan made from
    /// another state is refused before anything, providers included, is recorded.
    private func execute(
        _ planned: PlannedChange, specs: ValidatedSpecs, registry: ProviderRegistry, source: String, apply: ApplyOptions, stop: StopSignal,
        events: @escaping Events
    ) async throws(ReconcileError) -> ReconcileOutcome {
        let started = Date()
        if options.apply.ownership == nil, let stale = planned.plan.staleness(against: try await stateSnapshot()) {
            throw .failed(ReconcileFailure(.savedPlan, stale))
        }
        do {
            try await recordProviders(ProviderCatalog.specs(of: specs.providers))
        } catch {
            if error.code == .fenced { stop.stop() }
            throw .failed(ReconcileFailure(.state, error.description))
        }
        logger.debug("providers recorded")
        let result: ApplyResult
        do {
            result = try await Executor(options: apply).apply(planned.plan, resources: specs.resources, store: store, registry: registry, stop: stop, events: events)
        } catch {
            throw .failed(ReconcileFailure(error.code == .stalePlan ? .savedPlan : .state, error.description))
        }
        // Sharded, the replica's own records are fenced by the shards it held: one paused
        // past its leases records nothing once another took one over.
        let store = self.store
        let replica = options.apply.ownership?.replicaFence
        let record = ApplyRecord(startedAt: started, finishedAt: Date(), source: source, summary: planned.plan.summary.line, outcome: result.outcome.description)
        await Self.bestEffort(stop) { () async throws(StateError) in try await LeaseScope.writing(under: replica) { () async throws(StateError) in try await store.appendHistory(record) } }
        let cutoff = Date().addingTimeInterval(-options.journalRetention.timeInterval), kept = options.historyRetention
        await Self.bestEffort(stop) { () async throws(StateError) in
            try await LeaseScope.writing(under: replica) { () async throws(StateError) in try await store.prune(intentsBefore: cutoff, keptHistory: kept) }
        }
        return .applied(planned, result: result)
    }

    /// Records the providers' specs; sharded, each shard's under its lease's fence (those of
    /// shards not held are their holders' to record).
    private func recordProviders(_ providers: [String: FieldValue]) async throws(StateError) {
        guard let ownership = options.apply.ownership else { return try await store.recordProviders(providers) }
        let store = self.store
        for part in ownership.split(providers) {
            try await LeaseScope.writing(under: part.fence) { () async throws(StateError) in try await store.recordProviders(part.values) }
        }
    }

    /// Appends the resources' events; sharded, each shard's under its lease's fence (the
    /// events of shards not held are their holders' to write), and those of a resource whose
    /// provider is not known under the replica's fence. A fenced refusal stops the apply.
    private func record(_ events: [ResourceEvent], specs: ValidatedSpecs, plan: Plan?, stop: StopSignal) async {
        guard !events.isEmpty else { return }
        let store = self.store
        guard let ownership = options.apply.ownership else {
            await Self.bestEffort(stop) { () async throws(StateError) in try await store.appendEvents(events) }
            return
        }
        var providers: [ResourceID: String] = [:]
        for resource in specs.resources { if let name = resource.spec.providerName { providers[resource.id] = name } }
        for change in plan?.changes ?? [] where providers[change.id] == nil && !change.provider.isEmpty { providers[change.id] = change.provider }
        if events.contains(where: { providers[$0.resource] == nil }), let snapshot = try? await store.snapshot() {
            for record in snapshot.resources where providers[record.id] == nil { providers[record.id] = record.provider }
        }
        var parts = ownership.split(Dictionary(grouping: events.filter { providers[$0.resource] != nil }) { providers[$0.resource] ?? "" })
            .map { part in (fence: part.fence, events: part.values.sorted { $0.key < $1.key }.flatMap(\.value)) }
        let unknown = events.filter { providers[$0.resource] == nil }
        if !unknown.isEmpty { parts.append((ownership.replicaFence, unknown)) }
        for part in parts {
            await Self.bestEffort(stop) { () async throws(StateError) in
                try await LeaseScope.writing(under: part.fence) { () async throws(StateError) in try await store.appendEvents(part.events) }
            }
        }
    }

    /// Runs a state write whose failure does not fail the reconcile (a record of it); when
    /// the write was fenced, this holder lost its lease: the apply stops (`stop`), and the
    /// controller steps down as for its other fenced writes.
    private static func bestEffort(_ stop: StopSignal, _ write: () async throws(StateError) -> Void) async {
        do {
            try await write()
        } catch where error.code == .fenced {
            stop.stop()
        } catch {
            return
        }
    }

    /// Settles an interrupted apply; provider failures leave their resources unsettled.
    private func recover(_ registry: ProviderRegistry, events: @escaping Events) async throws(ReconcileError) -> JournalRecovery.Report {
        do {
            return try await JournalRecovery(store: store, registry: registry, options: options.apply).recover(events: events)
        } catch {
            throw .failed(ReconcileFailure(.recovery, error.description))
        }
    }

    /// Refreshes through `registry` (when on) and plans, from the hint's memo when the state
    /// is the one it was planned against. Returns the plan and the registry it was planned
    /// with, built from the refreshed state: the one its operations go through.
    private func planLive(
        _ specs: ValidatedSpecs, registry: ProviderRegistry, persist: Bool, held: [ResourceID: String], hint: PlanningHint?
    ) async throws(ReconcileError) -> (PlannedChange, ProviderRegistry) {
        var snapshot = try await stateSnapshot()
        var drift = Drift()
        var unreadable: [ResourceID: String] = [:]
        var matchesStore = true
        if options.refresh, !snapshot.resources.isEmpty {
            let refreshed: Refresher.Result
            do {
                refreshed = try await Refresher(store: store, registry: registry, options: options.apply).refresh(persist: persist)
            } catch {
                throw .failed(ReconcileFailure(.state, error.description))
            }
            snapshot = refreshed.snapshot
            logger.debug("refreshed", metadata: ["resources": "\(snapshot.resources.count)"])
            drift = Drift(drifted: refreshed.drifted, missing: refreshed.missing)
            unreadable = refreshed.unreadable
            matchesStore = refreshed.matchesStore
        }
        let position = try await journalPosition()
        let registry = catalog.registry(resources: specs.providers, state: snapshot, basis: persist ? .specified : .appliedOnly)
        let planner = Planner(options: PlanOptions(
            prune: options.prune, providerImmutableFields: registry.immutableFields,
            held: held.merging(unreadable) { first, _ in first }.merging(options.held) { first, _ in first }))
        var plan: Plan
        let memo: PlanningMemo
        do {
            if matchesStore, options.held.isEmpty, let hint, hint.memo.matches(snapshot) {
                (plan, memo, _) = try planner.replan(resources: specs.resources, state: snapshot, memo: hint.memo, edited: hint.edited)
            } else {
                (plan, memo) = try planner.planWithMemo(resources: specs.resources, graph: specs.graph, state: snapshot)
            }
        } catch {
            throw .refused(Refusal(reason: "its plan is refused", diagnostics: error.diagnostics))
        }
        plan.journalPosition = position
        return (PlannedChange(plan: plan, memo: matchesStore ? memo : nil, drift: drift), registry)
    }

    private func stateSnapshot() async throws(ReconcileError) -> StateSnapshot {
        do { return try await store.snapshot() } catch { throw .failed(ReconcileFailure(.state, error.description)) }
    }

    private func journalPosition() async throws(ReconcileError) -> Int64 {
        do { return try await store.journalPosition() } catch { throw .failed(ReconcileFailure(.state, error.description)) }
    }

    private static func recording(to recorder: ResourceEventRecorder, _ events: @escaping Events) -> Events {
        { event in
            recorder.record(event)
            events(event)
        }
    }
}

/// Where to start an incremental plan from: the last plan's memo, and which resources
/// (by position) may differ from it (none for the same commit; nil when unknown).
public struct PlanningHint: Sendable {
    /// The last plan's memo.
    public var memo: PlanningMemo
    /// The positions of the only resources that may have changed, when known.
    public var edited: [Int]?

    /// Creates a hint.
    public init(memo: PlanningMemo, edited: [Int]?) {
        self.memo = memo
        self.edited = edited
    }
}

/// Why a reconciliation stopped early: a refused plan or a failure.
public enum ReconcileError: Error, Sendable {
    /// The plan was refused.
    case refused(Refusal)
    /// Something failed.
    case failed(ReconcileFailure)

    func outcome(drift: Drift) -> ReconcileOutcome {
        switch self {
        case .refused(let refusal): .refused(refusal, drift: drift)
        case .failed(let failure): .failed(failure, drift: drift)
        }
    }
}
