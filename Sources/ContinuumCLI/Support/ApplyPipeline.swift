import ArgumentParser
import ContinuumApply
import ContinuumEngine
import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import Foundation

/// What `apply` and `destroy` add to the engine's reconciliation: the state lease around
/// it, the plan on the terminal, the confirmation prompt, progress lines, the report file
/// and the exit code.
struct ApplyPipeline {
    var setup: EngineSetup
    var source: String
    var autoApprove: Bool
    var options: ReconcileOptions
    var reportPath: String?

    /// Reconciles `specs`, or applies `savedPlan` when given.
    func run(_ specs: ValidatedSpecs, savedPlan: Plan? = nil) async throws {
        let store = setup.store
        let lease = StateLease(store: store, holder: StateLease.holderName("apply"))
        do {
            if let previous = try await lease.acquire() {
                Terminal.error("note: taking over the lock of \(previous.holder), which is no longer running; its unfinished work is recovered from the journal\n")
            }
        } catch {
            Terminal.error("\(error)\n")
            throw ExitCode.failure
        }
        let reconciler = Reconciler(store: store, catalog: setup.catalog, options: options)
        let trap = SignalTrap()
        let events: Reconciler.Events = { event in Terminal.out(ApplyPrinter.line(for: event) + "\n") }
        let autoApprove = self.autoApprove
        let approve: Reconciler.Approval = { planned in
            Self.show(planned)
            return Self.confirm(autoApprove: autoApprove)
        }
        let stop = StopSignal(parent: trap.stop)
        let outcome = await lease.renewing(onLost: { error in
            let why = error.code == .renewDeadlineExceeded
                ? "the state lock could not be renewed in time" : "the state lock was taken by another applier while this one was paused"
            Terminal.error("error: \(why) (\(error)); no new operation is started\n")
            stop.stop()
        }) {
            if let savedPlan {
                await reconciler.apply(saved: savedPlan, specs: specs, source: source, approve: approve, stop: stop, events: events)
            } else {
                await reconciler.reconcile(specs, source: source, approve: approve, stop: stop, events: events)
            }
        }
        await lease.release()
        try finish(outcome)
    }

    /// The drift found and the plan, before the prompt.
    private static func show(_ planned: PlannedChange) {
        for id in planned.drift.drifted { Terminal.out("\(id): drift detected (changed outside Continuum)\n") }
        for id in planned.drift.missing { Terminal.out("\(id): deleted outside Continuum\n") }
        Terminal.out(PlanTextRenderer(colour: Terminal.wantsColour).render(planned.plan))
    }

    /// Prints what the approval did not (it is asked only when there are changes), and
    /// turns the outcome into the exit code.
    private func finish(_ outcome: ReconcileOutcome) throws {
        switch outcome {
        case .applied(let planned, nil), .driftReported(let planned):
            Self.show(planned)
        case .refused, .failed:
            for id in outcome.drift.all { Terminal.out("\(id): drift detected (changed outside Continuum)\n") }
        case .applied, .declined:
            break
        }
        switch outcome {
        case .applied(let planned, let result):
            if let result {
                Terminal.out("\n" + result.summaryLine + "\n")
                if let reportPath { try writeReport(result.report, to: reportPath) }
                if !result.succeeded { throw ExitCode.failure }
            }
            if !planned.plan.held.isEmpty {
                Terminal.error("error: \(planned.plan.held.count) resource\(planned.plan.held.count == 1 ? " is" : "s are") held (live state unknown) and not converged: \(planned.plan.held.map(\.id.description).joined(separator: ", ")); run apply again when their providers answer\n")
                throw ExitCode.failure
            }
        case .declined:
            Terminal.out("Apply cancelled; nothing was changed.\n")
            throw ExitCode.failure
        case .driftReported:
            return
        case .refused(let refusal, _):
            if refusal.diagnostics.isEmpty {
                Terminal.error("error: the plan is refused: \(refusal.reason)\(refusal.remedy.map { "; \($0)" } ?? "")\n")
            } else {
                SpecPipeline.report(refusal.diagnostics)
            }
            throw ExitCode.failure
        case .failed(let failure, _):
            Terminal.error("\(failure)\n")
            throw ExitCode.failure
        }
    }

    /// Whether the person at the terminal typed `yes`; refuses without a terminal.
    private static func confirm(autoApprove: Bool) -> Bool {
        guard !autoApprove else { return true }
        guard isatty(STDIN_FILENO) == 1 else {
            Terminal.error("error: refusing to apply without --auto-approve: standard input is not a terminal, so nobody can confirm the plan\n")
            return false
        }
        Terminal.out("\nApply these changes? (yes/no) ")
        return readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
    }

    private func writeReport(_ report: ApplyReport, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(report).write(to: URL(fileURLWithPath: path))
        } catch {
            Terminal.error("\(path): error: cannot write the report: \(error.localizedDescription); check the directory exists and is writable\n")
            throw ExitCode.failure
        }
    }
}
