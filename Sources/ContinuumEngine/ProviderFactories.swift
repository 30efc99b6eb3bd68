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
        guard let program = connection?.program else { return ["spec.connection: an external provider runs the program of an operator connection"] }
        var problems: [String] = []
        if let timeout = spec.config["timeout"] {
            if case .string(let text) = timeout, let duration = DurationText.parse(text), duration > .zero {
                if duration > program.timeout {
                    problems.append("spec.config.timeout: \(text) is over the connection's ceiling of \(DurationText.format(program.timeout))")
                }
            } else {
                problems.append("spec.config.timeout: expected a duration like \"30s\" or \"5m\"")
            }
        }
        return problems
    }

    public func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        guard let program = connection?.program else {
            return UnavailableProvider(name: name, error: ProviderError(.invalidRequest, provider: name,
                message: "an external provider runs only a program declared by an operator connection", remedy: "set spec.connection"))
        }
        var timeout = program.timeout
        if case .string(let text)? = spec.config["timeout"], let asked = DurationText.parse(text), asked > .zero { timeout = min(asked, program.timeout) }
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
        switch RedfishConfig.parse(spec.config) {
        case .failure(let error): return error.problems
        case .success(let config):
            if let connection, !connection.credentials.isEmpty, config.endpoint.scheme != "https", !connection.allowPlaintext {
                return ["spec.config.endpoint: connection '\(connection.name)' sends credentials, and \(config.endpoint.absoluteString) is not https; use https, or set allowPlaintext: true on the connection for a lab"]
            }
            return []
        }
    }

    public func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        if let problem = problems(in: spec, connection: connection).first {
            return UnavailableProvider(name: name, configError: ProviderConfigError(problems: [problem]))
        }
        let config: RedfishConfig
        switch RedfishConfig.parse(spec.config) {
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
        return ClusterMachineProvider(wrapping: inner, secrets: GeneratedSecrets(directory: context.secretsDirectory), directory: context.clusterDirectory)
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
        switch LibvirtConfig.parse(spec.config) {
        case .failure(let error): return error.problems
        case .success(let config):
            guard !(connection?.allowUnsafeURI ?? false), let problem = LibvirtURIPolicy.problem(with: config.uri) else { return [] }
            return ["spec.config.uri: \(problem); only an operator connection with allowUnsafeURI: true may use it"]
        }
    }

    public func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        if let problem = problems(in: spec, connection: connection).first {
            return UnavailableProvider(name: name, configError: ProviderConfigError(problems: [problem]))
        }
        switch LibvirtConfig.parse(spec.config) {
        case .success(let config):
            return ClusterMachineProvider(
                wrapping: LibvirtProvider(name: name, config: config), secrets: GeneratedSecrets(directory: context.secretsDirectory),
                directory: context.clusterDirectory)
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
