import ArgumentParser
import ContinuumApply
import ContinuumEngine
import ContinuumPlanner
import ContinuumSpec
import Foundation

/// `continuum apply [PATH]`: makes the world match the spec.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Refresh, plan and apply the spec repository.",
        discussion: "Without --auto-approve it shows the plan and asks for 'yes' on a terminal, and refuses without one. Ctrl-C stops starting new operations, lets those in flight finish and records them."
    )

    @OptionGroup var spec: SpecOptions
    @OptionGroup var state: StateOptions
    @OptionGroup var simWorld: SimWorldOptions
    @OptionGroup var operatorOptions: OperatorOptions

    @Flag(help: "Apply without asking for confirmation.")
    var autoApprove = false

    @Option(help: "Apply this saved plan (from `continuum plan --out`) after recovering an interrupted apply, only if the state and its journal have not moved since.")
    var plan: String?

    @Option(help: "At most this many operations in flight.")
    var parallelism = 10

    @Option(help: "Write a JSON report of every operation (start, end, outcome) to this file.")
    var report: String?

    @Option(help: "Read the live state of every recorded resource before planning (true or false).")
    var refresh = true

    @Flag(inversion: .prefixedNo, help: "Delete recorded resources that are gone from the spec.")
    var prune = true

    func validate() throws {
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be at least 1") }
    }

    func run() async throws {
        let setup = try EngineSetup(state: state, simWorld: simWorld, operator: operatorOptions)
        let specs = try await SpecPipeline(options: spec, catalog: setup.catalog).load()
        var savedPlan: Plan?
        if let plan {
            do {
                savedPlan = try Self.readPlan(Data(contentsOf: URL(fileURLWithPath: plan)))
            } catch let error as SavedPlanError {
                Terminal.error("\(plan): error: cannot read the saved plan \(error)\n")
                throw ExitCode.failure
            } catch {
                Terminal.error("\(plan): error: cannot read the saved plan: \(error.localizedDescription); write one with `continuum plan --out FILE`\n")
                throw ExitCode.failure
            }
        }
        try await ApplyPipeline(
            setup: setup, source: plan ?? spec.path, autoApprove: autoApprove,
            options: ReconcileOptions(apply: ApplyOptions(parallelism: parallelism), refresh: refresh, prune: prune), reportPath: report
        ).run(specs, savedPlan: savedPlan)
    }

    /// A plan saved by `plan --out` (the binary saved plan format), or a JSON plan (saved by
    /// earlier versions, or `plan --format json`).
    static func readPlan(_ data: Data) throws -> Plan {
        SavedPlanFormat.isSavedPlan(data) ? try SavedPlanReader.read([UInt8](data)) : try PlanJSONCoder.decode(data)
    }
}
