import ArgumentParser
import ContinuumEngine
import ContinuumSim
import ContinuumState
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
        simWorldPath ?? Self.defaultPath
    }

    /// `$CONTINUUM_SIM_WORLD`, else `.continuum/sim.db`.
    static var defaultPath: String {
        ProcessInfo.processInfo.environment["CONTINUUM_SIM_WORLD"].flatMap { $0.isEmpty ? nil : $0 } ?? ".continuum/sim.db"
    }
}

/// The engine's inputs that commands share: where the state lives and the provider
/// catalog (with the sim world's file as the sim factory's setting).
struct EngineSetup {
    let statePath: String
    let simWorldPath: String

    init(state: StateOptions, simWorld: SimWorldOptions) {
        statePath = state.resolvedPath
        simWorldPath = simWorld.resolvedPath
    }

    /// For commands that only validate: the default sim world, never opened.
    static var validation: ProviderCatalog {
        ProviderCatalog.standard(simWorld: SimWorld(path: SimWorldOptions.defaultPath), secretsDirectory: ProviderCatalog.secretsDirectory(forState: ".continuum/state.db"))
    }

    var store: SQLiteStateStore { SQLiteStateStore(path: statePath) }

    var catalog: ProviderCatalog {
        ProviderCatalog.standard(simWorld: SimWorld(path: simWorldPath), secretsDirectory: ProviderCatalog.secretsDirectory(forState: statePath))
    }
}
