public import ContinuumProvider
public import ContinuumSim
public import ContinuumSpec
import ContinuumExternal
import ContinuumKubernetes
import ContinuumLibvirt
import ContinuumRedfish
import Foundation

/// `type: sim`: the embedded simulated cloud, its world in one SQLite file (the factory's
/// setting, not the spec's). It needs no connection.
public struct SimProviderFactory: ProviderFactory {
    /// The world every sim provider acts on.
    public let world: SimWorld

    /// Creates the factory over `world`.
    public init(world: SimWorld) {
        self.world = world
    }

    public var type: ProviderType { .sim }

    public func problems(in spec: ProviderSpec, connection: Connection?) -> [String] {
        SimConfig.parse(spec.config).failure?.problems ?? []
    }

    public func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        switch SimConfig.parse(spec.config) {
        case .success(let config): SimProvider(name: name, config: config, world: world)
        case .failure(let error): UnavailableProvider(name: name, configError: error)
        }
    }
}

/// `type: external`: the program the operator's connection names, speaking JSON-RPC over
/// its standard input and output, started once per provider and reused while its config is
/// unchanged. The spec's `config` is handed to the program; it never chooses the program.
public struct ExternalProviderFactory: ProviderFactory {
    private let pool = ExternalProviderPool()

    /// Creates the factory.
    public init() {}

    public var type: ProviderType { .external }

    public func problems(in spec: ProviderSpec, connection: Connection?) -> [String] {
        Self.program(spec, connection).failure?.problems ?? []
    }

    /// The connection's program and the per-call timeout: the spec's, at most the program's
    /// ceiling.
    private static func program(_ spec: ProviderSpec, _ connection: Connection?) -> Result<(ProviderProgram, Duration), ProviderConfigError> {
        guard let program = connection?.program else {
            return .failure(ProviderConfigError(problems: ["spec.connection: an external provider runs the program of an operator connection"]))
        }
        guard let field = spec.config["timeout"] else { return .success((program, program.timeout)) }
        guard case .string(let text) = field, let duration = DurationText.parse(text), duration > .zero else {
            return .failure(ProviderConfigError(problems: ["spec.config.timeout: expected a duration like \"30s\" or \"5m\""]))
        }
        guard duration <= program.timeout else {
            return .failure(ProviderConfigError(problems: ["spec.config.timeout: \(text) is over the connection's ceiling of \(DurationText.format(program.timeout))"]))
        }
        return .success((program, duration))
    }

    public func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        let (program, timeout): (ProviderProgram, Duration)
        switch Self.program(spec, connection) {
        case .success(let value): (program, timeout) = value
        case .failure(let error): return UnavailableProvider(name: name, configError: error)
        }
        var environment: [String: String] = [:]
        let inherited = ProcessInfo.processInfo.environment
        for key in program.environment { if let value = inherited[key] { environment[key] = value } }
        let config = ExternalProviderConfig(
            command: [program.path] + program.arguments, timeout: timeout, settings: spec.config, environment: environment, sha256: program.sha256)
        return pool.provider(name: name, config: config)
    }
}

/// `type: redfish`: bare metal through a BMC, joining clusters through the machine wrapper.
/// Credentials come from the connection, and travel only over https unless it allows
/// plaintext.
public struct RedfishProviderFactory: ProviderFactory {
    /// Creates the factory.
    public init() {}

    public var type: ProviderType { .redfish }

    public func problems(in spec: ProviderSpec, connection: Connection?) -> [String] {
        Self.config(spec, connection).failure?.problems ?? []
    }

    /// The config, when it parses and its credentials would not travel in plaintext.
    private static func config(_ spec: ProviderSpec, _ connection: Connection?) -> Result<RedfishConfig, ProviderConfigError> {
        RedfishConfig.parse(spec.config).flatMap { config in
            var problems: [String] = []
            let plaintext = connection?.allowPlaintext ?? false
            if let connection, !connection.credentials.isEmpty, config.endpoint.scheme != "https", !plaintext {
                problems.append("spec.config.endpoint: connection '\(connection.name)' sends credentials, and \(config.endpoint.absoluteString) is not https; use https, or set allowPlaintext: true on the connection for a lab")
            }
            // A seed's URL is its short-lived token (the join token is in the file): it
            // travels over https only, unless the operator allows plaintext.
            if let seedURL = config.seedURL, seedURL.scheme != "https", !plaintext {
                problems.append("spec.config.seedURL: \(seedURL.absoluteString) is not https, and the seeds it serves carry the cluster's join token under an unguessable name that must not travel in the clear; serve seedDirectory over https (without directory listings), or set allowPlaintext: true on the connection\(connection.map { " '\($0.name)'" } ?? "") for a lab")
            }
            return problems.isEmpty ? .success(config) : .failure(ProviderConfigError(problems: problems))
        }
    }

    public func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        let config: RedfishConfig
        switch Self.config(spec, connection) {
        case .success(let parsed): config = parsed
        case .failure(let error): return UnavailableProvider(name: name, configError: error)
        }
        let inner: any Provider
        do throws(ProviderError) {
            let credentials = try context.credentials(of: connection, provider: name)
            var login: (username: String, password: String)?
            if let username = credentials["username"], let password = credentials["password"] { login = (username, password) }
            inner = try RedfishProvider(name: name, config: config, credentials: login)
        } catch {
            return UnavailableProvider(name: name, error: error)
        }
        return ClusterMachineProvider(
            wrapping: inner, secrets: GeneratedSecrets(directory: context.secretsDirectory), directory: context.clusterDirectory, options: ClusterOptions(connection))
    }
}

/// `type: libvirt`: VMs and networks through libvirt's C API, joining clusters through the
/// machine wrapper. URIs that run programs or read host files need the connection's
/// `allowUnsafeURI`.
public struct LibvirtProviderFactory: ProviderFactory {
    /// Creates the factory.
    public init() {}

    public var type: ProviderType { .libvirt }

    public func problems(in spec: ProviderSpec, connection: Connection?) -> [String] {
        Self.config(spec, connection).failure?.problems ?? []
    }

    /// The config, when it parses and its URI is safe or the connection allows it.
    private static func config(_ spec: ProviderSpec, _ connection: Connection?) -> Result<LibvirtConfig, ProviderConfigError> {
        LibvirtConfig.parse(spec.config).flatMap { config in
            guard !(connection?.allowUnsafeURI ?? false), let problem = LibvirtURIPolicy.problem(with: config.uri) else { return .success(config) }
            return .failure(ProviderConfigError(problems: ["spec.config.uri: \(problem); only an operator connection with allowUnsafeURI: true may use it"]))
        }
    }

    public func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        switch Self.config(spec, connection) {
        case .success(let config):
            return ClusterMachineProvider(
                wrapping: LibvirtProvider(name: name, config: config), secrets: GeneratedSecrets(directory: context.secretsDirectory),
                directory: context.clusterDirectory, options: ClusterOptions(connection))
        case .failure(let error): return UnavailableProvider(name: name, configError: error)
        }
    }
}

extension Result {
    /// The error, when it failed.
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}

extension ClusterOptions {
    /// The defaults, with the connection's operator switch for cluster API verification.
    init(_ connection: Connection?) {
        self.init()
        if let connection, connection.insecureSkipClusterVerify {
            apiVerification = .skipped(reason: "connection '\(connection.name)' sets insecureSkipClusterVerify: true")
        }
    }
}
