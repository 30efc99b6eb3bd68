@testable import ContinuumController
import ContinuumApply
import ContinuumEngine
import ContinuumPlanner
import ContinuumSpec
import Testing

/// The controller's rules without Git, SQLite or waiting: time is passed in.
@Suite("Reconcile policy")
struct ReconcilePolicyTests {
    let start = ContinuousClock.now
    func policy(selfHeal: Bool = true) -> ReconcilePolicy {
        ReconcilePolicy(interval: .seconds(60), driftInterval: .seconds(300), maximumBackoff: .seconds(600), selfHeal: selfHeal)
    }
    func planned(changes: Bool, drift: Drift = Drift(), held: [HeldResource] = []) -> PlannedChange {
        let change = ResourceChange(id: ResourceID(.virtualMachine, "web-1"), action: .create, provider: "p")
        let plan = Plan(stateSerial: 1, stateLineage: nil, changes: changes ? [change] : [], steps: [], held: held)
        return PlannedChange(plan: plan, memo: nil, drift: drift)
    }

    @Test func aReconcileIsDueForANewCommitARetryOrDriftButNotForATrigger() {
        var rules = policy()
        #expect(rules.isDue(now: start, newCommit: false), "nothing reconciled yet: drift is due")
        _ = rules.finished(.applied(planned(changes: false), result: nil), commit: "a", newCommit: true, keeping: nil, now: start)
        #expect(!rules.isDue(now: start + .seconds(299), newCommit: false))
        #expect(rules.isDue(now: start + .seconds(300), newCommit: false))
        #expect(rules.isDue(now: start + .seconds(1), newCommit: true))
        _ = rules.triggered()
        #expect(rules.fetchesNow(now: start + .seconds(1), scheduled: start + .seconds(60), leader: true), "a trigger fetches at once")
        #expect(!rules.isDue(now: start + .seconds(1), newCommit: false), "a trigger alone does not reconcile: it only fetches")
        _ = rules.fetchFailed("fetch failed")
        #expect(rules.isDue(now: start + .seconds(1), newCommit: false), "a failure is retried")
    }

    @Test func triggersWhileAFetchIsPendingOrRunningCostOneMoreFetch() {
        var rules = policy()
        let scheduled = start + .seconds(60)
        var fetches = 0
        /// The controller's loop: fetch while the rules say so.
        func runLoop(_ rules: inout ReconcilePolicy, duringFetch: (inout ReconcilePolicy) -> Void = { _ in }) {
            while rules.fetchesNow(now: start, scheduled: scheduled, leader: true) {
                let answering = rules.fetchStarting()
                fetches += 1
                duringFetch(&rules)
                rules.fetchFinished(answering: answering)
            }
        }
        #expect(!rules.hasPendingTrigger)
        for _ in 0..<50 { _ = rules.triggered() }
        runLoop(&rules)
        #expect(fetches == 1, "50 triggers before the fetch: one fetch")
        var during = 0
        _ = rules.triggered()
        runLoop(&rules) { rules in
            during += 1
            if during == 1 { for _ in 0..<100 { _ = rules.triggered() } }
        }
        #expect(fetches == 3, "100 triggers during a fetch: one more fetch, answering them all")
        #expect(rules.triggersHandled == 151 && !rules.hasPendingTrigger)
    }

    @Test func aTriggerDuringABackoffIsRecordedAndAnsweredWhenTheBackoffEnds() {
        var rules = policy()
        _ = rules.fetchFailed("boom")
        let scheduled = rules.nextCycle(after: start)
        #expect(scheduled == start + .seconds(60))
        let number = rules.triggered()
        #expect(number == 1 && rules.hasPendingTrigger)
        #expect(!rules.fetchesNow(now: start + .seconds(1), scheduled: scheduled, leader: true), "the backoff holds the trigger's fetch")
        #expect(rules.triggerNote(now: start + .seconds(1), scheduled: scheduled, cycleRunning: false).contains("backing off after 1 failure: the fetch waits for the retry in 59s"))
        #expect(rules.fetchesNow(now: scheduled, scheduled: scheduled, leader: true), "at the backoff's end the fetch runs")
        let answering = rules.fetchStarting()
        _ = rules.fetchFailed("boom again")
        rules.fetchFinished(answering: answering)
        #expect(!rules.hasPendingTrigger, "the fetch at the backoff's end answered it")
        #expect(rules.isDue(now: scheduled, newCommit: false), "and it retries the reconcile")
    }

    @Test func aStandbyReplicaAnswersTriggersOnlyOnItsSchedule() {
        var rules = policy()
        _ = rules.triggered()
        #expect(!rules.fetchesNow(now: start, scheduled: start + .seconds(60), leader: false))
        #expect(rules.fetchesNow(now: start + .seconds(60), scheduled: start + .seconds(60), leader: false))
        #expect(rules.triggerNote(now: start, scheduled: start, cycleRunning: true).hasPrefix("a fetch is running; one more follows it"))
        #expect(rules.triggerNote(now: start, scheduled: start + .seconds(60), cycleRunning: false).hasPrefix("fetching now"))
    }

    @Test func aDriftCheckAskedForReconcilesOnce() {
        var rules = policy()
        _ = rules.finished(.applied(planned(changes: false), result: nil), commit: "a", newCommit: true, keeping: nil, now: start)
        #expect(!rules.isDue(now: start + .seconds(1), newCommit: false))
        _ = rules.driftCheckAsked()
        #expect(rules.isDue(now: start + .seconds(1), newCommit: false))
        _ = rules.finished(.applied(planned(changes: false), result: nil), commit: "a", newCommit: false, keeping: "a", now: start + .seconds(1))
        #expect(!rules.isDue(now: start + .seconds(2), newCommit: false))
    }

    @Test func aPreemptedReconcileIsNoFailureAndIsResumedWhenNothingNewerIsApplied() {
        var rules = policy()
        var interrupted = ApplyResult.nothing
        interrupted.added = 1
        interrupted.interrupted = true
        let outcome = ReconcileOutcome.applied(planned(changes: true), result: interrupted)
        _ = rules.finished(outcome, commit: "a", newCommit: true, keeping: nil, now: start)
        let verdict = rules.preempted(outcome, commit: "a", by: "the newer commit b")
        #expect(verdict.result == .preempted && verdict.phase == .reconciling && verdict.adopt && verdict.applied == nil)
        #expect(verdict.message.contains("pre-empted by the newer commit b"))
        #expect(rules.backoff.failures == 0, "not a failure: no backoff")
        #expect(rules.isDue(now: start + .seconds(1), newCommit: false), "the cut reconcile resumes when the newer commit is not applied")
        _ = rules.finished(.applied(planned(changes: false), result: nil), commit: "a", newCommit: false, keeping: "a", now: start + .seconds(2))
        #expect(!rules.isDue(now: start + .seconds(3), newCommit: false), "resumed once")
    }

    @Test func aPlanForReviewReusesTheStateOfARecentReconcile() {
        var rules = policy()
        #expect(!rules.refreshedWithin(.seconds(60), now: start), "nothing reconciled yet: refresh")
        _ = rules.finished(.applied(planned(changes: false), result: nil), commit: "a", newCommit: true, keeping: nil, now: start)
        #expect(rules.refreshedWithin(.seconds(60), now: start + .seconds(59)))
        #expect(!rules.refreshedWithin(.seconds(60), now: start + .seconds(60)))
        #expect(!rules.refreshedWithin(.zero, now: start), "0s refreshes for every plan")
    }

    @Test func failuresBackOffDoublingUpToTheMaximumAndASuccessResets() {
        var rules = policy()
        _ = rules.finished(.applied(planned(changes: false), result: nil), commit: "a", newCommit: true, keeping: nil, now: start)
        var delays: [Duration] = []
        for _ in 0..<6 {
            let verdict = rules.fetchFailed("boom")
            #expect(verdict.phase == .failed && verdict.result == .failed)
            delays.append(rules.nextCycle(after: start) - start)
        }
        #expect(delays == [.seconds(60), .seconds(120), .seconds(240), .seconds(300), .seconds(300), .seconds(300)], "capped by the next drift check")
        _ = rules.finished(.applied(planned(changes: false), result: nil), commit: "a", newCommit: false, keeping: "a", now: start)
        #expect(rules.nextCycle(after: start) - start == .seconds(60))
    }

    @Test func aRejectedCommitKeepsTheLastGoodOneAndStaysFailedUntilANewCommit() {
        var rules = policy()
        let rejected = rules.rejected("bbbbbbbbbbbbbbbb", because: "its specs are invalid", details: ["specs/a.yaml:3:1: error: x"], keeping: "aaaaaaaaaaaa1234")
        #expect(rejected.phase == .failed && rejected.result == .rejected && !rejected.adopt)
        #expect(rejected.message.contains("the last good commit aaaaaaaaaaaa stays applied"))
        #expect(rejected.message.contains("specs/a.yaml:3:1: error: x"))
        let drift = rules.finished(.applied(planned(changes: false), result: nil), commit: "aaaaaaaaaaaa1234", newCommit: false, keeping: "aaaaaaaaaaaa1234", now: start)
        #expect(drift.phase == .failed && drift.message == rejected.message, "correcting drift on the last good commit keeps the rejection shown")
        rules.newCommit()
        let fixed = rules.finished(.applied(planned(changes: true), result: .nothing), commit: "cccccccccccc", newCommit: true, keeping: "aaaaaaaaaaaa1234", now: start)
        #expect(fixed.phase == .ready && fixed.adopt && fixed.applied == "cccccccccccc")
    }

    @Test(arguments: [true, false])
    func aRefusedPlanRejectsANewCommitButOnlyFailsAnOldOne(newCommit: Bool) {
        var rules = policy()
        let verdict = rules.finished(.refused(Refusal(reason: "its plan destroys 9 resources", remedy: "raise --max-destroy"), drift: Drift()),
            commit: "dddddddddddd", newCommit: newCommit, keeping: "aaaaaaaaaaaa", now: start)
        #expect(verdict.result == .rejected && verdict.phase == .failed && !verdict.adopt)
        #expect(verdict.message.contains("its plan destroys 9 resources"))
        #expect((rules.rejection != nil) == newCommit)
    }

    @Test func aFailureOfANewCommitAdoptsItSoItIsRetried() {
        var rules = policy()
        let verdict = rules.finished(.failed(ReconcileFailure(.state, "disk full"), drift: Drift()), commit: "e", newCommit: true, keeping: nil, now: start)
        #expect(verdict.adopt && verdict.phase == .failed)
        #expect(verdict.message == "disk full; retrying in 1m")
    }

    @Test func driftIsCorrectedForNewCommitsAndOnlyReportedWithoutSelfHeal() {
        var rules = policy(selfHeal: false)
        #expect(rules.correctsDrift(newCommit: true))
        #expect(!rules.correctsDrift(newCommit: false))
        let drift = Drift(drifted: [ResourceID(.virtualMachine, "web-1")])
        let verdict = rules.finished(.driftReported(planned(changes: true, drift: drift)), commit: "a", newCommit: false, keeping: "a", now: start)
        #expect(verdict.result == .driftReported && verdict.phase == .ready)
        #expect(verdict.message.contains("VirtualMachine/web-1") && verdict.message.contains("self-heal is off"))
        #expect(policy().correctsDrift(newCommit: false))
    }

    @Test func heldResourcesAreNamedInTheMessage() {
        var rules = policy()
        let held = [HeldResource(id: ResourceID(.virtualMachine, "bio-1"), reason: "its provider could not be read")]
        let verdict = rules.finished(.applied(planned(changes: true, held: held), result: .nothing), commit: "ffffffffffff", newCommit: true, keeping: nil, now: start)
        #expect(verdict.phase == .failed && verdict.applied == nil && verdict.adopt, "partly applied: not reported as applied")
        #expect(verdict.message.contains("held until their live state is known: VirtualMachine/bio-1 (its provider could not be read)"))
        #expect(rules.isDue(now: start, newCommit: false), "what is held is retried")
    }

    /// An idle cycle shows Ready, except over a phase that says what the operator must do.
    @Test(arguments: [
        (ControllerStatus.Phase.reconciling, ControllerStatus.Phase.ready), (.ready, .ready), (.failed, .failed), (.held, .held), (.suspended, .suspended),
    ])
    func anIdleCycleKeepsThePhasesThatWaitForSomeone(phase: ControllerStatus.Phase, shown: ControllerStatus.Phase) {
        #expect(policy().idle(phase: phase) == shown)
    }

    /// Resources an operator suspended wait by design: the commit is applied without them,
    /// while resources held for want of their live state make the reconcile a failure.
    @Test func suspendedResourcesAreNotAFailureButUnknownOnesAre() {
        var rules = policy()
        let suspended = HeldResource(id: ResourceID(.virtualMachine, "web-1"), reason: "\(ReconcilePolicy.suspendedReason) (since today)")
        let applied = rules.finished(.applied(planned(changes: true, held: [suspended]), result: nil), commit: "a", newCommit: true, keeping: nil, now: start)
        #expect(applied.phase == .ready && applied.applied == "a")
        let unknown = HeldResource(id: ResourceID(.virtualMachine, "web-2"), reason: "its provider could not be read")
        let partial = rules.finished(.applied(planned(changes: true, held: [suspended, unknown]), result: nil), commit: "b", newCommit: true, keeping: "a", now: start)
        #expect(partial.phase == .failed && partial.applied == nil)
        #expect(partial.message.contains("VirtualMachine/web-2") && !partial.message.contains("VirtualMachine/web-1"), "\(partial.message)")
    }
}
