public import ContinuumPlanner
public import ContinuumSpec
public import ContinuumState
import ContinuumProvider
import Foundation

/// Runs a plan's DAG against the providers: bounded by `parallelism` and each provider's
/// limits, critical path first, retrying retryable errors with backoff and jitter. Every
/// mutating call is journalled before it is made and completed, with its result, in one
/// state transaction after. A failed operation stops only what depends on it; a stop
/// signal stops starting new operations and lets those in flight finish.
public struct Executor: Sendable {
    /// The options.
    public var options: ApplyOptions

    /// Creates an executor.
    public init(options: ApplyOptions = ApplyOptions()) {
        self.options = options
    }

    /// Applies `plan` (made from the state in `store`) for the desired `resources`.
    /// - Throws: `ApplyError` when the plan was made from another state, or the state
    ///   store fails before anything starts. Provider failures are in the result.
    public func apply(
        _ plan: Plan, resources: [Resource], store: any StateStore, registry: ProviderRegistry, stop: StopSignal = StopSignal(),
        events: @escaping @Sendable (ApplyEvent) -> Void = { _ in }
    ) async throws(ApplyError) -> ApplyResult {
        let snapshot: StateSnapshot
        do { snapshot = try await store.snapshot() } catch { throw .state(error) }
        // Sharded, other replicas write while this one plans: its own shards' records are
        // fenced by their leases instead.
        if options.ownership == nil, let stale = plan.staleness(against: snapshot) { throw ApplyError(.stalePlan, stale) }
        // Only what the steps touch is indexed: at 100,000 resources and a one-resource
        // change, copying every resource and record into dictionaries was most of the time
        // from the plan to the first call.
        let touched = Set(plan.steps.map(\.resource))
        let changes = Dictionary(plan.changes.lazy.filter { touched.contains($0.id) }.map { ($0.id, $0) }) { first, _ in first }
        // By position: a loop over the values themselves copies each one it looks at.
        let desired = Dictionary(resources.indices.lazy.filter { touched.contains(resources[$0].id) }.map { (resources[$0].id, resources[$0]) }) { first, _ in first }
        let steps = plan.steps.map { step in
            OperationContext(step: step, change: changes[step.resource] ?? ResourceChange(id: step.resource, action: .noop, provider: ""), resource: desired[step.resource])
        }
        let estimates = steps.map { context -> Int64 in
            let duration = registry.entries[context.providerName]?.provider.estimatedDuration(of: context.providerOperation, kind: context.step.resource.kind) ?? .seconds(1)
            return duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        }
        var scheduler = StepScheduler(
            steps: plan.steps, providers: steps.map(\.providerName), estimates: estimates,
            providerLimits: registry.entries.compactMapValues(\.concurrency), globalLimit: options.parallelism,
            policy: options.policy)
        // Other shards' steps are their holders' to run; what depends on them waits for the
        // state to record them done (a later reconcile plans them as no change).
        let ownership = options.ownership
        let waiting = scheduler.hold(steps.indices.filter { !ownership.owns(provider: steps[$0].providerName) }).count
        let limiters = registry.entries.compactMapValues { $0.requestsPerSecond.map(RateLimiter.init) }
        // The records of the steps' resources and of what they depend on (their outputs
        // are interpolated); the executor adds each result as it comes.
        let read = touched.union(changes.values.lazy.flatMap(\.dependencies))
        let recorded = snapshot.resources
        var records = Dictionary(recorded.indices.lazy.filter { read.contains(recorded[$0].id) }.map { (recorded[$0].id, recorded[$0]) }) { first, _ in first }
        var timings = [(start: Double?, end: Double?, error: String?)](repeating: (nil, nil, nil), count: steps.count)
        let started = ContinuousClock.now
        var interrupted = false
        let runner = OperationRunner(
            options: options, registry: registry, events: events, stop: stop,
            journalWriter: JournalBatcher(store: store, grouping: options.groupCommit))

        await withTaskGroup(of: OperationResult.self) { group in
            func launch() {
                if stop.isStopped, !interrupted {
                    interrupted = true
                    for skipped in scheduler.stop() { events(.skipped(steps[skipped].step.resource, steps[skipped].step.operation, reason: "the apply was stopped")) }
                }
                while !interrupted, let index = scheduler.next() {
                    let context = steps[index]
                    let record = records[context.step.resource]
                    var outputs: [ResourceID: [String: FieldValue]] = [:]
                    for dependency in context.change.dependencies { outputs[dependency] = records[dependency]?.outputs }
                    let limiter = limiters[context.providerName]
                    timings[index].start = (ContinuousClock.now - started).timeInterval
                    events(.started(context.step.resource, context.step.operation))
                    group.addTask {
                        await ownership.scoped(provider: context.providerName) {
                            await runner.run(context, index: index, record: record, outputs: outputs, limiter: limiter)
                        }
                    }
                }
            }
            launch()
            while let result = await group.next() {
                timings[result.index].end = (ContinuousClock.now - started).timeInterval
                let context = steps[result.index]
                switch result.outcome {
                case .succeeded:
                    if let record = result.record { records[context.step.resource] = record } else if result.removed { records[context.step.resource] = nil }
                    scheduler.succeed(result.index)
                case .failed(let message):
                    timings[result.index].error = message
                    for skipped in scheduler.fail(result.index) {
                        events(.skipped(steps[skipped].step.resource, steps[skipped].step.operation, reason: "\(context.step.operation) \(context.step.resource) failed"))
                    }
                }
                events(.finished(context.step.resource, context.step.operation, elapsed: .seconds(timings[result.index].end ?? 0) - .seconds(timings[result.index].start ?? 0), outcome: result.outcome))
                launch()
            }
        }
        var result = summarize(plan: plan, steps: steps, status: scheduler.status, timings: timings, interrupted: interrupted)
        result.waiting = waiting
        return result
    }

    private func summarize(plan: Plan, steps: [OperationContext], status: [StepScheduler.Status], timings: [(start: Double?, end: Double?, error: String?)], interrupted: Bool) -> ApplyResult {
        var done: [ResourceID: Int] = [:]
        var failures = 0
        for (index, state) in status.enumerated() {
            if state == .succeeded { done[steps[index].step.resource, default: 0] += 1 }
            if state == .failed { failures += 1 }
        }
        func count(_ action: ChangeAction, steps needed: Int = 1) -> Int {
            plan.changes.count { $0.action == action && done[$0.id, default: 0] >= needed }
        }
        let actions = steps.enumerated().map { index, context in
            ApplyReport.Action(
                id: index, resource: context.step.resource, kind: context.step.resource.kind, action: context.step.operation,
                change: context.change.action, provider: context.providerName, start: timings[index].start, end: timings[index].end,
                outcome: Self.outcome(status[index]), error: timings[index].error)
        }
        let makespan = (timings.compactMap(\.end).max() ?? 0) - (timings.compactMap(\.start).min() ?? 0)
        return ApplyResult(
            added: count(.create), changed: count(.update), replaced: count(.replace, steps: 2), destroyed: count(.delete), failures: failures,
            interrupted: interrupted, report: ApplyReport(actions: actions, makespan: max(0, makespan)))
    }

    private static func outcome(_ status: StepScheduler.Status) -> ApplyReport.Outcome {
        switch status {
        case .succeeded: .succeeded
        case .failed: .failed
        case .skipped, .waiting, .ready: .skipped
        case .running: .running
        }
    }
}
