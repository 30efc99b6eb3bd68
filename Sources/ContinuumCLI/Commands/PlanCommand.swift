import ArgumentParser
import ContinuumApply
import ContinuumController
import ContinuumPlanner
import ContinuumSim
import ContinuumSpec
import ContinuumState
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

    @Option(help: "Read the live state of every recorded resource first, to plan drift (true or false); the state is not changed.")
    var refresh = true

    @Option(help: "Output format: text, json or markdown.")
    var format: Format = .text

    @Option(help: "Also write the plan as JSON to this file, to apply it later.")
    var out: String?

    @Flag(help: "Exit 0 when there are no changes, 2 when there are, 1 on error.")
    var detailedExitcode = false

    @Flag(inversion: .prefixedNo, help: "Delete recorded resources that are gone from the spec.")
    var prune = true

    func run() async throws {
        let loaded = try await SpecPipeline(options: spec).load()
        let store = SQLiteStateStore(path: state.resolvedPath)
        var snapshot: StateSnapshot
        var immutableFields: [String: [ResourceKind: [FieldPath]]] = [:]
        do {
            snapshot = try await store.snapshot()
            let registry = ProviderSetup(world: SimWorld(path: simWorld.resolvedPath), secretsDirectory: ProviderSetup.secretsDirectory(forState: state.resolvedPath)).registry(resources: loaded.repository.resources, state: snapshot)
            immutableFields = registry.immutableFields
            if refresh, !snapshot.resources.isEmpty {
                snapshot = try await Refresher(store: store, registry: registry).refresh(persist: false).snapshot
            }
        } catch let error as any CustomStringConvertible & Error {
            Terminal.error("\(error)\n")
            throw ExitCode.failure
        }
        let plan: Plan
        do {
            plan = try Planner(options: PlanOptions(prune: prune, providerImmutableFields: immutableFields)).plan(resources: loaded.repository.resources, graph: loaded.graph, state: snapshot)
        } catch {
            SpecPipeline.report(error.diagnostics)
            throw ExitCode.failure
        }
        if let out {
            do {
                try PlanJSONCoder.encode(plan).write(to: URL(fileURLWithPath: out))
            } catch {
                Terminal.error("\(out): error: cannot write the plan: \(error.localizedDescription); check the directory exists and is writable\n")
                throw ExitCode.failure
            }
        }
        switch format {
        case .text: Terminal.out(PlanTextRenderer(colour: Terminal.wantsColour).render(plan))
        case .markdown: Terminal.out(PlanMarkdownRenderer().render(plan))
        case .json: Terminal.out(String(decoding: try PlanJSONCoder.encode(plan), as: UTF8.self))
        }
        if detailedExitcode && plan.hasChanges { throw ExitCode(2) }
    }
}
