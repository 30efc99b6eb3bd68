import ArgumentParser
import ContinuumEngine
import ContinuumSpec

/// `continuum validate [PATH]`: checks a spec repository completely.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a spec repository: every file, field, reference and dependency.",
        discussion: "Exits 0 with a one-line summary when valid, 1 with every error (file:line:column) when not."
    )

    @OptionGroup var spec: SpecOptions
    @OptionGroup var operatorOptions: OperatorOptions

    func run() async throws {
        let loaded = try await SpecPipeline(options: spec, catalog: try EngineSetup.validation(operatorOptions)).load()
        let resources = loaded.repository.resources.count
        let files = loaded.repository.fileCount
        Terminal.out("\(resources) resource\(resources == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s") \(resources == 1 ? "is" : "are") valid\n")
    }
}
