import ArgumentParser
import ContinuumController
import ContinuumGraph
import ContinuumSpec
import Foundation

/// Loads and validates a spec repository and builds its graph; on errors it prints them,
/// one a line, to standard error and exits 1.
struct SpecPipeline {
    /// A loaded, valid repository and its graph.
    struct Loaded {
        var repository: SpecRepository
        var graph: ResourceGraph
    }

    let options: SpecOptions

    func load() async throws -> Loaded {
        do {
            let specs = try await ValidatedSpecs.load(options.url)
            return Loaded(repository: specs.repository, graph: specs.graph)
        } catch {
            Self.report(error.diagnostics)
            throw ExitCode.failure
        }
    }

    /// Prints diagnostics and a count to standard error.
    static func report(_ diagnostics: [Diagnostic]) {
        let errors = diagnostics.count { $0.severity == .error }
        Terminal.error(diagnostics.map { $0.description + "\n" }.joined())
        Terminal.error("\(errors) error\(errors == 1 ? "" : "s") found.\n")
    }
}
