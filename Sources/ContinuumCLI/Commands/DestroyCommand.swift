import ArgumentParser
import ContinuumApply
import ContinuumEngine

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
    @OptionGroup var operatorOptions: OperatorOptions

    @Flag(help: "Destroy without asking for confirmation.")
    var autoApprove = false

    @Option(help: "At most this many operations in flight.")
    var parallelism = 10

    func run() async throws {
        let setup = try EngineSetup(state: state, simWorld: simWorld, operator: operatorOptions)
        let specs = try await SpecPipeline(options: spec, catalog: setup.catalog).load()
        try await ApplyPipeline(
            setup: setup, source: "destroy \(spec.path)", autoApprove: autoApprove,
            options: ReconcileOptions(apply: ApplyOptions(parallelism: parallelism)), reportPath: nil
        ).run(specs.providersOnly)
    }
}
