import ArgumentParser
import ContinuumEngine
import ContinuumGraph
import ContinuumSpec

/// `continuum graph [PATH]`: prints the dependency graph.
struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the dependency graph as Graphviz dot or JSON."
    )

    /// The output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, json
    }

    @OptionGroup var spec: SpecOptions
    @OptionGroup var operatorOptions: OperatorOptions

    @Option(help: "Output format: dot or json.")
    var format: Format = .dot

    func run() async throws {
        let loaded = try await SpecPipeline(options: spec, catalog: try EngineSetup.validation(operatorOptions)).load()
        let renderer = GraphRenderer(graph: loaded.graph, resources: loaded.repository.resources)
        switch format {
        case .dot: Terminal.out(renderer.dot())
        case .json: Terminal.out(try renderer.json())
        }
    }
}
