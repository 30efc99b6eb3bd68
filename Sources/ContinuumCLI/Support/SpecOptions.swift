import ArgumentParser
import ContinuumEngine
import ContinuumPostgres
import ContinuumSpec
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
    @Option(name: .customLong("state"), help: "The state: a SQLite file, or postgres://USER@HOST:PORT/DB?sslmode=verify-full|require|disable (default $CONTINUUM_STATE, else .continuum/state.db).")
    var statePath: String?

    @Option(name: .customLong("state-password-file"), help: "A file holding the PostgreSQL password (default $PGPASSWORD; never logged or shown).")
    var statePasswordFile: String?

    @Option(name: .customLong("secrets-dir"), help: "Where generated cluster secrets (join tokens) are kept, owner-only (default $CONTINUUM_SECRETS_DIR, else secrets/ beside the state).")
    var secretsDirectory: String?

    /// The state file's path: `--state`, else `$CONTINUUM_STATE`, else `.continuum/state.db`.
    var resolvedPath: String {
        statePath ?? ProcessInfo.processInfo.environment["CONTINUUM_STATE"].flatMap { $0.isEmpty ? nil : $0 } ?? ".continuum/state.db"
    }

    /// `--secrets-dir`, else `$CONTINUUM_SECRETS_DIR`, else `secrets/` beside the state file
    /// (`.continuum/secrets` for a PostgreSQL state).
    var resolvedSecretsDirectory: URL {
        if let path = secretsDirectory ?? ProcessInfo.processInfo.environment["CONTINUUM_SECRETS_DIR"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return ProviderCatalog.secretsDirectory(forState: PostgresLocation.isPostgres(resolvedPath) ? ".continuum/state.db" : resolvedPath)
    }

    /// The store `--state` names: PostgreSQL for a `postgres://` URL (its password from
    /// `--state-password-file`, else `$PGPASSWORD`), else the SQLite file.
    /// - Throws: `ValidationError` for a bad connection string or an unreadable password file.
    func makeStore() throws -> any StateStore {
        let text = resolvedPath
        guard PostgresLocation.isPostgres(text) else { return SQLiteStateStore(path: text) }
        let location: PostgresLocation
        do { location = try PostgresLocation.parse(text) } catch { throw ValidationError(error.description) }
        let password = try statePasswordFile.map { try SecretFile.read($0, purpose: "state password") }
            ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        return PostgresStateStore(location: location, password: password)
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

/// The operator's configuration file.
struct OperatorOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "The operator configuration: connections, programs, tenants (default $CONTINUUM_CONFIG; none: only sim providers).")
    var configPath: String?

    /// `--config`, else `$CONTINUUM_CONFIG`, else none.
    var resolvedPath: String? {
        configPath ?? ProcessInfo.processInfo.environment["CONTINUUM_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The configuration read and checked; on errors they are printed and the command exits 1.
    func load() throws -> OperatorConfig {
        guard let path = resolvedPath else { return .none }
        do {
            return try OperatorConfig.load(path)
        } catch {
            SpecPipeline.report(error.diagnostics)
            throw ExitCode.failure
        }
    }
}

/// The engine's inputs that commands share: where the state lives and the provider
/// catalog (with the sim world's file as the sim factory's setting, and the operator's
/// configuration).
struct EngineSetup {
    let statePath: String
    /// The state store `--state` names.
    let store: any StateStore
    let secretsDirectory: URL
    let simWorldPath: String
    let operatorConfig: OperatorConfig

    init(state: StateOptions, simWorld: SimWorldOptions, operator options: OperatorOptions) throws {
        statePath = state.resolvedPath
        store = try state.makeStore()
        secretsDirectory = state.resolvedSecretsDirectory
        simWorldPath = simWorld.resolvedPath
        operatorConfig = try options.load()
    }

    /// For commands that only validate: the default sim world, never opened.
    static func validation(_ options: OperatorOptions) throws -> ProviderCatalog {
        ProviderCatalog.standard(
            simWorld: SimWorld(path: SimWorldOptions.defaultPath), secretsDirectory: ProviderCatalog.secretsDirectory(forState: ".continuum/state.db"),
            operatorConfig: try options.load())
    }

    var catalog: ProviderCatalog {
        ProviderCatalog.standard(simWorld: SimWorld(path: simWorldPath), secretsDirectory: secretsDirectory, operatorConfig: operatorConfig)
    }
}
