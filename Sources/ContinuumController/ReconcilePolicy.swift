import ContinuumApply
import ContinuumPlanner
import ContinuumEngine
import ContinuumSpec

/// The controller's rules as a value: when a cycle is due, what follows a fetch failure,
/// a rejected commit, and each reconcile outcome (backoff, the commit kept, the phase and
/// the message). It does no I/O and reads no clock: time comes in as `now`, so its rules
/// are unit-tested without Git, SQLite or waiting. The `Controller` actor does the I/O and
/// publishes the verdicts; this is the one place the status's phase and message are decided.
struct ReconcilePolicy: Sendable {
    /// What a finished step means for the status.
    struct Verdict: Sendable, Equatable {
        /// The phase to show.
        var phase: ControllerStatus.Phase
        /// The message to show.
        var message: String
        /// How the reconcile ended, for the status, metrics and logs.
        var result: ControllerStatus.Result
        /// Whether the attempted commit becomes the one drift is corrected to.
        var adopt: Bool
        /// The commit now applied completely, if this step applied one.
        var applied: String?
    }

    /// How often the source is fetched.
    let interval: Duration
    /// How often live state is checked when nothing else changed.
    let driftInterval: Duration
    /// Whether drift is corrected.
    let selfHeal: Bool
    /// Backoff after consecutive failures.
    private(set) var backoff: Backoff
    /// When the last full reconcile (refresh + plan) finished.
    private(set) var lastFullReconcile: ContinuousClock.Instant?
    /// Why the newest commit was not applied, while that stands.
    private(set) var rejection: String?
    /// Triggers received (webhooks, `continuum reconcile`); each is numbered by this count.
    private(set) var triggersReceived = 0
    /// The newest trigger a finished fetch answered; below `triggersReceived` while one waits.
    private(set) var triggersHandled = 0
    /// A drift check asked for outside the schedule (the benchmark's package API): the next
    /// fetch reconciles in full.
    private(set) var driftCheckRequested = false
    /// A reconcile was pre-empted: the next fetch reconciles in full even without a new commit.
    private(set) var resumeDue = false

    /// Creates the policy.
    init(interval: Duration, driftInterval: Duration, maximumBackoff: Duration, selfHeal: Bool) {
        self.interval = interval
        self.driftInterval = driftInterval
        self.selfHeal = selfHeal
        backoff = Backoff(initial: interval, maximum: maximumBackoff)
    }

    /// Whether a reconcile (refresh, plan, apply) should run after a fetch: a new commit, a
    /// retry after a failure, or a drift check due. A trigger is not a reason of its own: it
    /// makes the controller fetch sooner, and the fetch finds out whether anything is new.
    func isDue(now: ContinuousClock.Instant, newCommit: Bool) -> Bool {
        newCommit || backoff.failures > 0 || driftCheckRequested || resumeDue || lastFullReconcile.map { now - $0 >= driftInterval } ?? true
    }

    /// Whether drift found in this reconcile is corrected: always for a new commit, else
    /// as self-heal says.
    func correctsDrift(newCommit: Bool) -> Bool {
        newCommit || selfHeal
    }

    /// Whether a full reconcile (refresh, plan, apply, all recorded) finished less than
    /// `age` ago: a plan for review may reuse the state it recorded.
    func refreshedWithin(_ age: Duration, now: ContinuousClock.Instant) -> Bool {
        lastFullReconcile.map { now - $0 < age } ?? false
    }

    /// When the next fetch is due: the interval, or the backoff after failures, but no
    /// later than the next drift check.
    func nextCycle(after now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let next = now + (backoff.delay ?? interval)
        return lastFullReconcile.map { min(next, $0 + driftInterval) } ?? next
    }

    /// A trigger arrived (a webhook or `continuum reconcile`): it is recorded and numbered.
    /// Triggers are coalesced: however many arrive while a fetch is pending or running, they
    /// cost at most one more fetch.
    mutating func triggered() -> Int {
        triggersReceived += 1
        return triggersReceived
    }

    /// A drift check is asked for outside the schedule: recorded as a trigger whose fetch
    /// reconciles in full. Returns the trigger's number.
    mutating func driftCheckAsked() -> Int {
        driftCheckRequested = true
        return triggered()
    }

    /// Work is pending outside the schedule (sharded: shards taken over, steps waiting for
    /// other shards): the next fetch reconciles in full, without counting as a trigger.
    mutating func workPending() {
        driftCheckRequested = true
    }

    /// Whether a trigger waits for a fetch.
    var hasPendingTrigger: Bool {
        triggersReceived > triggersHandled
    }

    /// Whether a fetch starts now: the scheduled one is due (the interval, the end of a
    /// backoff, the next drift check), or a trigger waits while this replica leads and no
    /// backoff holds fetches back. A trigger during a backoff stays recorded and is answered
    /// by the fetch at the backoff's end; a standby replica answers it when it takes the lock.
    func fetchesNow(now: ContinuousClock.Instant, scheduled: ContinuousClock.Instant, leader: Bool) -> Bool {
        now >= scheduled || (leader && hasPendingTrigger && backoff.failures == 0)
    }

    /// A fetch is about to start: it answers every trigger received so far. Pass the number
    /// returned to `fetchFinished(answering:)`.
    func fetchStarting() -> Int {
        triggersReceived
    }

    /// The fetch that started with `fetchStarting()` returning `trigger` is finished: the
    /// triggers up to that number are handled; later ones wait for the next fetch.
    mutating func fetchFinished(answering trigger: Int) {
        triggersHandled = max(triggersHandled, trigger)
    }

    /// What becomes of a trigger that arrives now, for the one who sent it.
    func triggerNote(now: ContinuousClock.Instant, scheduled: ContinuousClock.Instant, cycleRunning: Bool) -> String {
        let then = "a reconcile follows only if there is a new commit, a drift check is due or a retry is due"
        if cycleRunning { return "a fetch is running; one more follows it and answers this trigger; \(then)" }
        if backoff.failures > 0, now < scheduled {
            let failures = "\(backoff.failures) failure\(backoff.failures == 1 ? "" : "s")"
            return "backing off after \(failures): the fetch waits for the retry in \(DurationText.format(.seconds(((scheduled - now) / .seconds(1)).rounded(.up)))); \(then)"
        }
        return "fetching now; \(then)"
    }

    /// A new commit arrived: an earlier rejection no longer stands.
    mutating func newCommit() {
        rejection = nil
    }

    /// The source could not be fetched.
    mutating func fetchFailed(_ message: String) -> Verdict {
        fail(message)
    }

    /// A commit is not applied: the last good one stays, the status says why until a fix arrives.
    mutating func rejected(_ commit: String, because reason: String, details: [String], keeping kept: String?) -> Verdict {
        let keeping = kept.map { "the last good commit \($0.prefix(12)) stays applied" } ?? "no commit has been applied yet"
        let shown = details.prefix(20).joined(separator: "\n") + (details.count > 20 ? "\n... and \(details.count - 20) more" : "")
        let message = "commit \(commit.prefix(12)) was not applied: \(reason); \(keeping); push a fix" + (shown.isEmpty ? "" : "\n" + shown)
        rejection = message
        return Verdict(phase: .failed, message: message, result: .rejected, adopt: false, applied: nil)
    }

    /// The verdict on a reconcile of `commit` that ended with `outcome` at `now`.
    mutating func finished(_ outcome: ReconcileOutcome, commit: String, newCommit: Bool, keeping kept: String?, now: ContinuousClock.Instant) -> Verdict {
        driftCheckRequested = false
        resumeDue = false
        let short = commit.prefix(12)
        switch outcome {
        case .refused(let refusal, _):
            let details = refusal.diagnostics.map(\.description) + (refusal.remedy.map { [$0] } ?? [])
            if newCommit { return rejected(commit, because: refusal.reason, details: details, keeping: kept) }
            var verdict = fail("the plan of commit \(short) is refused: \(refusal.reason)")
            verdict.result = .rejected
            return verdict
        case .failed(let failure, _):
            var verdict = fail(failure.message)
            verdict.adopt = newCommit
            return verdict
        case .declined(let planned), .driftReported(let planned):
            lastFullReconcile = now
            backoff.succeed()
            let drifted = planned.drift.all
            return Verdict(
                phase: .ready,
                message: "drift found in \(drifted.count) resource\(drifted.count == 1 ? "" : "s") (\(drifted.map(\.description).joined(separator: ", "))); self-heal is off, so it is only reported",
                result: .driftReported, adopt: false, applied: nil)
        case .applied(let planned, let result):
            lastFullReconcile = now
            guard result?.succeeded ?? true else {
                backoff.fail()
                return Verdict(phase: .failed, message: "commit \(short): \(result?.summaryLine ?? "")", result: .failed, adopt: true, applied: nil)
            }
            // Resources an operator suspended (and what depends on them) wait by design.
            let unsettled = planned.plan.held.filter { !$0.reason.contains(Self.suspendedReason) }
            guard unsettled.isEmpty else {
                // Partly applied: what is held is retried with backoff, and the commit is not
                // reported as applied until it is.
                backoff.fail()
                let retry = backoff.delay.map { "; retrying in \(DurationText.format($0))" } ?? ""
                return Verdict(
                    phase: .failed,
                    message: "commit \(short) is applied except \(unsettled.count) resource\(unsettled.count == 1 ? "" : "s") held until their live state is known: "
                        + unsettled.map { "\($0.id) (\($0.reason))" }.joined(separator: "; ") + retry,
                    result: .failed, adopt: true, applied: nil)
            }
            backoff.succeed()
            var message = rejection ?? (planned.plan.hasChanges ? "applied commit \(short): \(result?.summaryLine ?? "")" : "commit \(short) is applied; no changes")
            let drifted = planned.drift.all
            if !drifted.isEmpty, rejection == nil { message += "; corrected drift in \(drifted.map(\.description).joined(separator: ", "))" }
            return Verdict(
                phase: rejection == nil ? .ready : .failed, message: message, result: planned.plan.hasChanges ? .applied : .noChanges,
                adopt: true, applied: commit)
        }
    }

    /// A newer commit (or a pin, or a suspension: `reason`) pre-empted the reconcile of
    /// `commit`: not a failure, so no backoff, and the loop fetches again at once. What was
    /// applied of `commit` is what drift is corrected to until then, as after a failed
    /// apply; and when what comes next is not applied (a rejected or held newer commit),
    /// the next cycle resumes the cut reconcile rather than waiting for a drift check.
    mutating func preempted(_ outcome: ReconcileOutcome, commit: String, by reason: String) -> Verdict {
        driftCheckRequested = false
        resumeDue = true
        backoff.succeed()
        let done = if case .applied(_, let result?) = outcome { " (\(result.summaryLine))" } else { "" }
        let adopt = if case .applied = outcome { true } else { false }
        return Verdict(
            phase: .reconciling,
            message: "the reconcile of commit \(commit.prefix(12)) was pre-empted by \(reason): its waits were cut short, operations in flight finished and were recorded\(done); reconciling again now",
            result: .preempted, adopt: adopt, applied: nil)
    }

    /// The reason given for resources an operator suspended (and, quoted, their dependents').
    static let suspendedReason = "suspended by an operator"

    /// The controller is suspended: it planned, and applied nothing; not a failure.
    func suspended(_ message: String) -> Verdict {
        Verdict(phase: .suspended, message: message, result: .suspended, adopt: false, applied: nil)
    }

    /// A new commit is held for review (`--require-reviewed-plan`): nothing changed, the
    /// applied commit stays; not a failure, so no backoff.
    func held(_ message: String) -> Verdict {
        Verdict(phase: .held, message: message, result: .held, adopt: false, applied: nil)
    }

    /// A cycle was due but there is nothing to reconcile: no good commit and a rejection.
    func idle(phase: ControllerStatus.Phase) -> ControllerStatus.Phase {
        rejection == nil && ![.failed, .held, .suspended].contains(phase) ? .ready : phase
    }

    private mutating func fail(_ message: String) -> Verdict {
        backoff.fail()
        let retry = backoff.delay.map { "; retrying in \(DurationText.format($0))" } ?? ""
        return Verdict(phase: .failed, message: message + retry, result: .failed, adopt: false, applied: nil)
    }
}
