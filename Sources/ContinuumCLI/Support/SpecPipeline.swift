import ArgumentParser
import ContinuumEngine
import ContinuumSpec
import Foundation

/// Loads and validates a spec repository through the engine; on errors it prints them,
/// one a line, to standard error and exits 1.
struct SpecPipeline {
    let options: SpecOptions
    let catalog: ProviderCatalog

    func load() async throws -> ValidatedSpecs {
        do {
            return try await ValidatedSpecs.load(options.url, catalog: catalog)
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
