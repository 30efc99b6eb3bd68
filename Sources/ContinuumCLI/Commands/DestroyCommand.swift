import ArgumentParser
import ContinuumApply
import ContinuumGraph
import ContinuumSpec

/// `continuum destroy [PATH]`: deletes every resource the state records.
struct DestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Delete every resource the state records, honouring lifecycle.preventDestroy.",
        discussion: "The spec repository supplies the providers' configuration; its other resources are treated as gone."
    )

    @OptionGroup var spec: SpecOptions
    @OptionGroup var state: StateOptions
    @OptionGroup var simWorld: SimWorldOptions

    @Flag(help: "Destroy without asking for confirmation.")
    var autoApprove = false

    @Option(help: "At most this many operations in flight.")
    var parallelism = 10

    func run() async throws {
        let loaded = try await SpecPipeline(options: spec).load()
        let providers = loaded.repository.resources.filter { $0.id.kind == .provider }
        let graph = GraphBuilder().build(providers).graph
        try await ApplyPipeline(
            statePath: state.resolvedPath, simWorldPath: simWorld.resolvedPath, source: "destroy \(spec.path)", autoApprove: autoApprove,
            refresh: true, options: ApplyOptions(parallelism: parallelism), reportPath: nil
        ).run(resources: providers, graph: graph, savedPlan: nil)
    }
}
