import ArgumentParser
import Foundation

/// The spec repository argument shared by the commands.
struct SpecOptions: ParsableArguments {
    @Argument(help: "The spec repository: a directory (or a single YAML file).")
    var path: String = "."

    /// The path as a file URL.
    var url: URL { URL(fileURLWithPath: path) }
}

/// Where the recorded state lives.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: "The state file (default $CONTINUUM_STATE, else .continuum/state.db).")
    var statePath: String?

    /// The state file's path: `--state`, else `$CONTINUUM_STATE`, else `.continuum/state.db`.
    var resolvedPath: String {
        statePath ?? ProcessInfo.processInfo.environment["CONTINUUM_STATE"].flatMap { $0.isEmpty ? nil : $0 } ?? ".continuum/state.db"
    }
}

/// Where the simulated cloud keeps its world.
struct SimWorldOptions: ParsableArguments {
    @Option(name: .customLong("sim-world"), help: "The sim provider's world file (default $CONTINUUM_SIM_WORLD, else .continuum/sim.db).")
    var simWorldPath: String?

    /// `--sim-world`, else `$CONTINUUM_SIM_WORLD`, else `.continuum/sim.db`.
    var resolvedPath: String {
        simWorldPath ?? ProcessInfo.processInfo.environment["CONTINUUM_SIM_WORLD"].flatMap { $0.isEmpty ? nil : $0 } ?? ".continuum/sim.db"
    }
}
