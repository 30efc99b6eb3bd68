import ArgumentParser
import ContinuumApply
import ContinuumEngine
import ContinuumPlanner
import ContinuumSpec
import Foundation

/// `continuum plan [PATH]`: shows what applying the spec would change.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what applying the spec repository would change.",
        discussion: "With --detailed-exitcode: 0 no changes, 2 changes, 1 error."
    )

    /// The output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, markdown
    }

    @OptionGroup var spec: SpecOptions
    @OptionGroup var state: StateOptions
    @OptionGroup var simWorld: SimWorldOptions
    @OptionGroup var operatorOptions: OperatorOptions

    @Option(help: "Read the live state of every recorded resource first, to plan drift (true or false); the state is not changed.")
    var refresh = true

    @Option(help: "Output format: text, json or markdown.")
    var format: Format = .text

    @Option(help: "Also save the plan to this file, to apply it later with `continuum apply --plan FILE` (a compact binary format; standard output still shows --format).")
    var out: String?

    @Flag(help: "With --format json: indent the JSON (compact by default).")
    var pretty = false

    @Flag(help: "Exit 0 when there are no changes, 2 when there are, 1 on error.")
    var detailedExitcode = false

    @Flag(inversion: .prefixedNo, help: "Delete recorded resources that are gone from the spec.")
    var prune = true

    @Option(help: "Ask the controller at this URL (such as http://127.0.0.1:8080) to plan --ref or --commit of its repository against the live state.")
    var server: String?

    @Option(help: "With --server: the branch to plan, or refs/pull/N/head (GitHub), refs/merge-requests/N/head (GitLab).")
    var ref: String?

    @Option(help: "With --server: the commit to plan.")
    var commit: String?

    @Option(help: "With --server: a file holding the controller's API write token, sent as a bearer token.")
    var tokenFile: String?

    func validate() throws {
        if server == nil, ref != nil || commit != nil || tokenFile != nil {
            throw ValidationError("--ref, --commit and --token-file go with --server: the controller plans a ref of its own repository")
        }
        if server != nil, (ref == nil) == (commit == nil) {
            throw ValidationError("with --server, give --ref BRANCH or --commit SHA")
        }
        if pretty, format != .json {
            throw ValidationError("--pretty goes with --format json")
        }
        if server != nil, out != nil {
            throw ValidationError("--out saves a local plan; with --server, the controller keeps the plan's digest instead")
        }
    }

    func run() async throws {
        if let server {
            try await RemotePlan(server: server, ref: ref, commit: commit, tokenFile: tokenFile, format: format).run(detailedExitcode: detailedExitcode)
            return
        }
        let setup = try EngineSetup(state: state, simWorld: simWorld, operator: operatorOptions)
        let specs = try await SpecPipeline(options: spec, catalog: setup.catalog).load()
        let reconciler = Reconciler(store: setup.store, catalog: setup.catalog, options: ReconcileOptions(refresh: refresh, prune: prune))
        let plan: Plan
        do {
            plan = try await reconciler.plan(specs).plan
        } catch {
            switch error {
            case .refused(let refusal): SpecPipeline.report(refusal.diagnostics)
            case .failed(let failure): Terminal.error("\(failure)\n")
            }
            throw ExitCode.failure
        }
        if plan.unsettledIntents > 0 {
            Terminal.error("warning: \(plan.unsettledIntents) operation\(plan.unsettledIntents == 1 ? "" : "s") of an interrupted apply \(plan.unsettledIntents == 1 ? "is" : "are") not settled; their resources are held: `continuum apply` settles them first\n")
        }
        do {
            if let out { try StreamedOutput.replacingFile(at: out) { file in try SavedPlanWriter.write(plan, to: file.write) } }
        } catch {
            Terminal.error("\(error)\n")
            throw ExitCode.failure
        }
        do {
            try Self.print(plan, format: format, pretty: pretty, to: .standardOutput)
        } catch {
            Terminal.error("\(error)\n")
            throw ExitCode.failure
        }
        // Held resources are not known to match: the plan is not "no changes".
        if detailedExitcode && (plan.hasChanges || !plan.held.isEmpty) { throw ExitCode(2) }
    }

    /// Writes `plan` in `format` to `output`, streamed: a change at a time for text and
    /// JSON.
    static func print(_ plan: Plan, format: Format, pretty: Bool, to output: StreamedOutput) throws {
        switch format {
        case .text:
            var text = BufferedText(output)
            try PlanTextRenderer(colour: Terminal.wantsColour).write(plan) { try text.append($0) }
            try text.flush()
        case .markdown: try output.write(PlanMarkdownRenderer().render(plan))
        case .json: try PlanJSONStreamer(pretty: pretty).write(plan, to: output.write)
        }
    }
}
