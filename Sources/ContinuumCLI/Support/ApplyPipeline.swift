import ArgumentParser
import ContinuumApply
import ContinuumController
import ContinuumGraph
import ContinuumPlanner
import ContinuumSim
import ContinuumSpec
import ContinuumState
import Foundation

/// The steps `apply` and `destroy` share: lock the state, recover an interrupted apply,
/// refresh, plan (or load a saved plan), confirm, execute with progress lines, report,
/// record the history, unlock.
struct ApplyPipeline {
    var statePath: String
    var simWorldPath: String
    var source: String
    var autoApprove: Bool
    var refresh: Bool
    var options: ApplyOptions
    var reportPath: String?

    func run(resources: [Resource], graph: ResourceGraph, savedPlan: Plan?, prune: Bool = true) async throws {
        let store = SQLiteStateStore(path: statePath)
        let setup = ProviderSetup(world: SimWorld(path: simWorldPath), secretsDirectory: ProviderSetup.secretsDirectory(forState: statePath))
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let holder = "continuum apply (pid \(pid) on \(host))"
        try await fail { () throws(StateError) in try await StaleLock.takeLock(store: store, holder: holder, host: host, processID: pid) }
        // Renew the lock while the apply runs, so a long apply never loses it.
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: StaleLock.renewalInterval)
                if Task.isCancelled { break }
                try? await store.lock(holder: holder, for: StaleLock.duration, host: host, processID: pid)
            }
        }
        defer { renewal.cancel() }
        let recorder = ResourceEventRecorder(source: source)
        do {
            try await execute(store: store, setup: setup, recorder: recorder, resources: resources, graph: graph, savedPlan: savedPlan, prune: prune)
            try? await store.appendEvents(recorder.drain())
            try? await store.unlock(holder: holder)
        } catch {
            try? await store.appendEvents(recorder.drain())
            try? await store.unlock(holder: holder)
            throw error
        }
    }

    private func execute(store: SQLiteStateStore, setup: ProviderSetup, recorder: ResourceEventRecorder, resources: [Resource], graph: ResourceGraph, savedPlan: Plan?, prune: Bool) async throws {
        let started = Date()
        let printLine: @Sendable (ApplyEvent) -> Void = { event in
            recorder.record(event)
            Terminal.out(ApplyPrinter.line(for: event) + "\n")
        }
        var registry = setup.registry(resources: resources, state: try await fail { () throws(StateError) in try await store.snapshot() })
        let plan: Plan
        if let savedPlan {
            plan = savedPlan
        } else {
            try await fail { () throws(ApplyError) in try await JournalRecovery(store: store, registry: registry).recover(events: printLine) }
            let snapshot: StateSnapshot
            if refresh {
                let result = try await fail { () throws(ApplyError) in try await Refresher(store: store, registry: registry, parallelism: options.parallelism).refresh() }
                for id in result.drifted { Terminal.out("\(id): drift detected (changed outside Continuum)\n") }
                for id in result.missing { Terminal.out("\(id): deleted outside Continuum\n") }
                recorder.add(result.drifted.map { ResourceEvent(resource: $0, action: "drift detected", source: "refresh", message: "changed outside Continuum") })
                recorder.add(result.missing.map { ResourceEvent(resource: $0, action: "deleted outside Continuum", source: "refresh") })
                snapshot = result.snapshot
            } else {
                snapshot = try await fail { () throws(StateError) in try await store.snapshot() }
            }
            registry = setup.registry(resources: resources, state: snapshot)
            do {
                plan = try Planner(options: PlanOptions(prune: prune, providerImmutableFields: registry.immutableFields)).plan(resources: resources, graph: graph, state: snapshot)
            } catch {
                SpecPipeline.report(error.diagnostics)
                throw ExitCode.failure
            }
        }
        Terminal.out(PlanTextRenderer(colour: Terminal.wantsColour).render(plan))
        guard plan.hasChanges else { return }
        try confirm()
        try await fail { () throws(StateError) in try await store.recordProviders(ProviderSetup.specs(of: resources)) }
        let trap = SignalTrap()
        Terminal.out("\n")
        let result = try await fail { () throws(ApplyError) in
            try await Executor(options: options).apply(plan, resources: resources, store: store, registry: registry, stop: trap.stop, events: printLine)
        }
        Terminal.out("\n" + result.summaryLine + "\n")
        if let reportPath { try writeReport(result.report, to: reportPath) }
        let outcome = result.succeeded ? "succeeded" : result.interrupted ? "interrupted" : "failed: \(result.failures) operations"
        try? await store.appendHistory(ApplyRecord(startedAt: started, finishedAt: Date(), source: source, summary: plan.summary.line, outcome: outcome))
        if !result.succeeded { throw ExitCode.failure }
    }

    private func confirm() throws {
        guard !autoApprove else { return }
        guard isatty(STDIN_FILENO) == 1 else {
            Terminal.error("error: refusing to apply without --auto-approve: standard input is not a terminal, so nobody can confirm the plan\n")
            throw ExitCode.failure
        }
        Terminal.out("\nApply these changes? (yes/no) ")
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            Terminal.out("Apply cancelled; nothing was changed.\n")
            throw ExitCode.failure
        }
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

    /// Runs `body`; a typed failure is printed and becomes exit code 1.
    private func fail<T, E: Error & CustomStringConvertible>(_ body: () async throws(E) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            Terminal.error("\(error)\n")
            throw ExitCode.failure
        }
    }
}
