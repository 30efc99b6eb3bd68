public import ContinuumProvider
public import ContinuumSim
public import ContinuumSpec
import ContinuumExternal
import ContinuumKubernetes
import ContinuumLibvirt
import ContinuumRedfish

/// `type: sim`: the embedded simulated cloud, its world in one SQLite file (the factory's
/// setting, not the spec's).
public struct SimProviderFactory: ProviderFactory {
    /// The world every sim provider acts on.
    public let world: SimWorld

    /// Creates the factory over `world`.
    public init(world: SimWorld) {
        self.world = world
    }

    public var type: ProviderType { .sim }

    public func problems(in spec: ProviderSpec) -> [String] {
        SimConfig.parse(spec.config).failure?.problems ?? []
    }

    public func make(name: String, spec: ProviderSpec, context: ProviderContext) -> any Provider {
        switch SimConfig.parse(spec.config) {
        case .success(let config): SimProvider(name: name, config: config, world: world)
        case .failure(let error): UnavailableProvider(name: name, configError: error)
        }
    }
}

/// `type: external`: a provider program speaking JSON-RPC over its standard input and output,
/// started once per provider and reused while its config is unchanged.
public struct ExternalProviderFactory: ProviderFactory {
    private let pool = ExternalProviderPool()

    /// Creates the factory.
    public init() {}

    public var type: ProviderType { .external }

    public func problems(in spec: ProviderSpec) -> [String] {
        ExternalProviderConfig.parse(spec.config).failure?.problems ?? []
    }

    public func make(name: String, spec: ProviderSpec, context: ProviderContext) -> any Provider {
        switch ExternalProviderConfig.parse(spec.config) {
        case .success(let config): pool.provider(name: name, config: config)
        case .failure(let error): UnavailableProvider(name: name, configError: error)
        }
    }
}

/// `type: redfish`: bare metal through a BMC, joining clusters through the machine wrapper.
public struct RedfishProviderFactory: ProviderFactory {
    /// Creates the factory.
    public init() {}

    public var type: ProviderType { .redfish }

    public func problems(in spec: ProviderSpec) -> [String] {
        RedfishConfig.parse(spec.config).failure?.problems ?? []
    }

    public func make(name: String, spec: ProviderSpec, context: ProviderContext) -> any Provider {
        let config: RedfishConfig
        switch RedfishConfig.parse(spec.config) {
        case .success(let parsed): config = parsed
        case .failure(let error): return UnavailableProvider(name: name, configError: error)
        }
        let inner: any Provider
        do throws(ProviderError) {
            var login: (username: String, password: String)?
            if let username = spec.credentials["username"], let password = spec.credentials["password"] {
                login = (try SecretResolver.resolve(username, provider: name, field: "spec.credentials.username"),
                    try SecretResolver.resolve(password, provider: name, field: "spec.credentials.password"))
            }
            inner = try RedfishProvider(name: name, config: config, credentials: login)
        } catch {
            return UnavailableProvider(name: name, error: error)
        }
        return ClusterMachineProvider(wrapping: inner, secrets: GeneratedSecrets(directory: context.secretsDirectory), directory: context.clusterDirectory)
    }
}

/// `type: libvirt`: VMs and networks through libvirt's C API, joining clusters through the
/// machine wrapper.
public struct LibvirtProviderFactory: ProviderFactory {
    /// Creates the factory.
    public init() {}

    public var type: ProviderType { .libvirt }

    public func problems(in spec: ProviderSpec) -> [String] {
        LibvirtConfig.parse(spec.config).failure?.problems ?? []
    }

    public func make(name: String, spec: ProviderSpec, context: ProviderContext) -> any Provider {
        switch LibvirtConfig.parse(spec.config) {
        case .success(let config):
            ClusterMachineProvider(
                wrapping: LibvirtProvider(name: name, config: config), secrets: GeneratedSecrets(directory: context.secretsDirectory),
                directory: context.clusterDirectory)
        case .failure(let error): UnavailableProvider(name: name, configError: error)
        }
    }
}

extension Result {
    /// The error, when it failed.
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
