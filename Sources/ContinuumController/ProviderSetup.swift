public import ContinuumApply
import ContinuumExternal
import ContinuumKubernetes
import ContinuumProvider
import ContinuumLibvirt
import ContinuumRedfish
public import ContinuumSim
public import ContinuumSpec
public import ContinuumState
public import Foundation

/// Builds the providers of an apply from the spec's `Provider` resources, and from the
/// state's records of providers that are gone from the spec (their resources must still
/// be deleted through them). The composition root: the one place that knows every type.
public struct ProviderSetup: Sendable {
    /// The embedded simulated cloud that `sim` providers act on.
    public let world: SimWorld
    /// Where the secrets generated for clusters (join tokens) are kept.
    public let secretsDirectory: URL
    /// External provider programs already started, reused while their spec is unchanged.
    private let external = ExternalProviderPool()

    /// Creates a setup over the sim world, keeping generated secrets in `secretsDirectory`.
    public init(world: SimWorld, secretsDirectory: URL) {
        self.world = world
        self.secretsDirectory = secretsDirectory
    }

    /// The directory of generated secrets that goes with a state file: `secrets/` beside it.
    public static func secretsDirectory(forState statePath: String) -> URL {
        URL(fileURLWithPath: statePath).deletingLastPathComponent().appendingPathComponent("secrets", isDirectory: true)
    }

    /// Checks every provider's `config`; each problem is located at the provider's config.
    public static func diagnostics(for resources: [Resource]) -> [Diagnostic] {
        resources.flatMap { resource -> [Diagnostic] in
            guard case .provider(let spec) = resource.spec else { return [] }
            let problems: [String] = switch spec.type {
            case .sim: SimConfig.parse(spec.config).failure?.problems ?? []
            case .external: ExternalProviderConfig.parse(spec.config).failure?.problems ?? []
            case .redfish: RedfishConfig.parse(spec.config).failure?.problems ?? []
            case .libvirt: LibvirtConfig.parse(spec.config).failure?.problems ?? []
            default: []
            }
            return problems.map { Diagnostic(at: resource.location(of: "spec.config"), $0) }
        }
    }

    /// The registry for `resources` and the providers recorded in `state`.
    public func registry(resources: [Resource], state: StateSnapshot) -> ProviderRegistry {
        var specs = state.providers
        for resource in resources { if case .provider = resource.spec { specs[resource.id.name] = resource.spec.fieldValue } }
        var entries: [String: ProviderRegistry.Entry] = [:]
        // Only machine providers join clusters; a fleet of sim providers needs no directory.
        let joinsClusters = specs.values.contains { spec in
            guard case .string(let type)? = spec["type"] else { return false }
            return type == ProviderType.libvirt.rawValue || type == ProviderType.redfish.rawValue
        }
        let members = !joinsClusters ? [] : state.resources.compactMap { record -> ClusterMember? in
            guard let providerID = record.providerID else { return nil }
            return ClusterMember(providerID: providerID, name: record.id.name, labels: record.labels, address: record.outputs["ipAddress"]?.outputText ?? "")
        }
        let directory = ClusterDirectory(members)
        for (name, spec) in specs { entries[name] = entry(name: name, spec: spec, directory: directory) }
        return ProviderRegistry(entries)
    }

    /// The specs of the spec's providers, to record in the state.
    public static func specs(of resources: [Resource]) -> [String: FieldValue] {
        var specs: [String: FieldValue] = [:]
        for resource in resources where resource.id.kind == .provider { specs[resource.id.name] = resource.spec.fieldValue }
        return specs
    }

    private func entry(name: String, spec: FieldValue, directory: ClusterDirectory) -> ProviderRegistry.Entry {
        var concurrency: Int?
        var requestsPerSecond: Double?
        if case .integer(let value)? = spec["limits"]?["concurrency"] { concurrency = value }
        if case .number(let value)? = spec["limits"]?["requestsPerSecond"] { requestsPerSecond = value }
        let type: String = if case .string(let text)? = spec["type"] { text } else { "sim" }
        let provider: any Provider
        if type == ProviderType.sim.rawValue, let config = try? SimConfig.parse(spec["config"] ?? .map([])).get() {
            provider = SimProvider(name: name, config: config, world: world)
        } else if type == ProviderType.external.rawValue, let config = try? ExternalProviderConfig.parse(spec["config"] ?? .map([])).get() {
            provider = external.provider(name: name, config: config)
        } else if type == ProviderType.redfish.rawValue, let config = try? RedfishConfig.parse(spec["config"] ?? .map([])).get() {
            provider = ClusterMachineProvider(
                wrapping: Self.redfish(name: name, config: config, credentials: spec["credentials"]), secrets: GeneratedSecrets(directory: secretsDirectory), directory: directory)
        } else if type == ProviderType.libvirt.rawValue, let config = try? LibvirtConfig.parse(spec["config"] ?? .map([])).get() {
            provider = ClusterMachineProvider(wrapping: LibvirtProvider(name: name, config: config), secrets: GeneratedSecrets(directory: secretsDirectory), directory: directory)
        } else {
            provider = UnavailableProvider(name: name, type: type)
        }
        return ProviderRegistry.Entry(provider: provider, concurrency: concurrency, requestsPerSecond: requestsPerSecond)
    }
}

extension ProviderSetup {
    /// A Redfish provider with its credentials read now; when they cannot be, a provider
    /// whose every call says why.
    static func redfish(name: String, config: RedfishConfig, credentials: FieldValue?) -> any Provider {
        do throws(ProviderError) {
            var login: (username: String, password: String)?
            if case .secret(let username)? = credentials?["username"], case .secret(let password)? = credentials?["password"] {
                login = (try SecretResolver.resolve(username, provider: name, field: "spec.credentials.username"),
                    try SecretResolver.resolve(password, provider: name, field: "spec.credentials.password"))
            }
            return try RedfishProvider(name: name, config: config, credentials: login)
        } catch {
            return UnavailableProvider(name: name, error: error)
        }
    }
}

extension Result {
    /// The error, when it failed.
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
