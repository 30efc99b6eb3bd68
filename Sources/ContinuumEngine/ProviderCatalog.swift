public import ContinuumApply
import ContinuumProvider
import ContinuumKubernetes
public import ContinuumSim
public import ContinuumSpec
public import ContinuumState
public import Foundation

/// The provider factories by type and the operator's configuration: the composition root,
/// the one place that knows every provider type and how specs reach them. It checks each
/// `Provider` spec against the operator's connections and its effective `config` (errors
/// located in the spec, naming the operator setting to change), and builds the registry an
/// apply calls from the spec's providers and from the state's records of providers that
/// are gone from the spec (their resources must still be deleted through them).
public struct ProviderCatalog: Sendable {
    /// The factories by the type they serve.
    public var factories: [ProviderType: any ProviderFactory]
    /// Where the secrets generated for clusters (join tokens) are kept.
    public var secretsDirectory: URL
    /// The operator's connections, programs and tenants.
    public var operatorConfig: OperatorConfig

    /// Creates a catalog of `factories`.
    public init(factories: [any ProviderFactory], secretsDirectory: URL, operatorConfig: OperatorConfig = .none) {
        self.factories = Dictionary(factories.map { ($0.type, $0) }) { _, last in last }
        self.secretsDirectory = secretsDirectory
        self.operatorConfig = operatorConfig
    }

    /// Every provider type this build has: the sim on `simWorld`, external programs,
    /// Redfish, libvirt and OpenNebula; generated secrets beside the state (`secrets/`); connections
    /// from `operatorConfig`.
    public static func standard(simWorld: SimWorld, secretsDirectory: URL, operatorConfig: OperatorConfig = .none) -> ProviderCatalog {
        ProviderCatalog(
            factories: [SimProviderFactory(world: simWorld), ExternalProviderFactory(), RedfishProviderFactory(), LibvirtProviderFactory(), OpenNebulaProviderFactory()],
            secretsDirectory: secretsDirectory, operatorConfig: operatorConfig)
    }

    /// The directory of generated secrets that goes with a state file: `secrets/` beside it.
    public static func secretsDirectory(forState statePath: String) -> URL {
        URL(fileURLWithPath: statePath).deletingLastPathComponent().appendingPathComponent("secrets", isDirectory: true)
    }

    /// Checks every provider's spec against the operator's configuration and its effective
    /// config; each problem is located at the field it names.
    public func diagnostics(for resources: [Resource]) -> [Diagnostic] {
        OperatorPolicy(config: operatorConfig).diagnostics(for: resources) + resources.flatMap { resource -> [Diagnostic] in
            guard case .provider(let spec) = resource.spec else { return [] }
            guard let factory = factories[spec.type] else {
                return [Diagnostic(at: resource.location(of: "spec.type"),
                    "spec.type: provider type '\(spec.type.rawValue)' is not available in this build; use one of \(factories.keys.map(\.rawValue).sorted().joined(separator: ", "))")]
            }
            // An undeclared connection, one of another type, or none for a non-sim provider is
            // the operator policy's to report; the factory checks only what can be built.
            guard let (effective, connection) = effective(spec), connection != nil || spec.type == .sim else { return [] }
            let through = connection.map { " (through connection '\($0.name)')" } ?? ""
            return factory.problems(in: effective, connection: connection).map { problem in
                // A problem with a setting the operator made is shown at the connection's name.
                let path = Self.path(of: problem)
                let key = path.text.split(separator: ".").dropFirst(2).first.map(String.init)
                let inSpec = key.map { spec.config[$0] != nil } ?? true
                return Diagnostic(at: resource.location(of: inSpec ? path : "spec.connection"), problem + through)
            }
        }
    }

    /// The spec a provider is built from: its connection's settings with the spec's tuning
    /// on top, and the connection; nil when it names a connection that is not declared.
    func effective(_ spec: ProviderSpec) -> (spec: ProviderSpec, connection: Connection?)? {
        guard let name = spec.connection else { return (spec, nil) }
        guard let connection = operatorConfig.connections[name], connection.type == spec.type else { return nil }
        var effective = spec
        effective.config = connection.effectiveConfig(tunedBy: spec.config)
        effective.credentials = [:]
        if let ceiling = connection.maximumConcurrency { effective.limits.concurrency = min(spec.limits.concurrency ?? ceiling, ceiling) }
        if let ceiling = connection.maximumRequestsPerSecond { effective.limits.requestsPerSecond = min(spec.limits.requestsPerSecond ?? ceiling, ceiling) }
        return (effective, connection)
    }

    /// Which provider specs a registry is built from.
    public enum Basis: Sendable {
        /// The spec's, for the operations of an apply.
        case specified
        /// The ones recorded at the last apply where there is one, the spec's for new
        /// providers: where the recorded objects live, for recovery and refresh.
        case recorded
        /// The recorded ones only; a new provider is not built at all (no program started,
        /// no credential read): for the plan of a change nobody has merged.
        case appliedOnly
    }

    /// The registry for `resources` and the providers recorded in `state`, built on `basis`.
    public func registry(resources: [Resource], state: StateSnapshot, basis: Basis = .specified) -> ProviderRegistry {
        let appliedOnly = basis == .appliedOnly
        var specs: [String: ProviderSpec] = [:]
        var unreadable: [String] = []
        for (name, recorded) in state.providers {
            if let spec = ProviderSpec(recorded: recorded) { specs[name] = spec } else { unreadable.append(name) }
        }
        var notApplied: [String: ProviderSpec] = [:]
        for resource in resources {
            guard case .provider(let spec) = resource.spec else { continue }
            if basis != .specified, state.providers[resource.id.name] != nil || unreadable.contains(resource.id.name) { continue }
            if appliedOnly { notApplied[resource.id.name] = spec } else { specs[resource.id.name] = spec }
        }
        // Only machine providers join clusters; a fleet of sim providers needs no directory.
        let joinsClusters = specs.values.contains { $0.type == .libvirt || $0.type == .redfish || $0.type == .opennebula }
        let members = !joinsClusters ? [] : state.resources.compactMap { record -> ClusterMember? in
            guard let providerID = record.providerID else { return nil }
            return ClusterMember(providerID: providerID, name: record.id.name, labels: record.labels, address: record.outputs["ipAddress"]?.outputText ?? "")
        }
        let context = ProviderContext(
            clusterDirectory: ClusterDirectory(members), secretsDirectory: secretsDirectory, credentialsDirectory: operatorConfig.secretsDirectory)
        var entries: [String: ProviderRegistry.Entry] = [:]
        for (name, spec) in specs {
            guard let factory = factories[spec.type] else {
                entries[name] = ProviderRegistry.Entry(provider: UnavailableProvider(name: name, type: spec.type, available: Array(factories.keys)))
                continue
            }
            guard let (effective, connection) = effective(spec) else {
                entries[name] = ProviderRegistry.Entry(provider: UnavailableProvider(name: name, error: ProviderError(
                    .invalidRequest, provider: name, message: "connection '\(spec.connection ?? "")' is not declared for a \(spec.type.rawValue) provider",
                    remedy: "declare it in \(operatorConfig.setting("connections"))")))
                continue
            }
            // A provider recorded before connections existed names none: only the sim runs so.
            guard connection != nil || spec.type == .sim else {
                entries[name] = ProviderRegistry.Entry(provider: UnavailableProvider(name: name, error: ProviderError(
                    .invalidRequest, provider: name, message: "a \(spec.type.rawValue) provider needs an operator connection",
                    remedy: "name one with spec.connection, declared in \(operatorConfig.setting("connections"))")))
                continue
            }
            let provider = factory.make(name: name, spec: effective, connection: connection, context: context)
            entries[name] = ProviderRegistry.Entry(provider: provider, concurrency: effective.limits.concurrency, requestsPerSecond: effective.limits.requestsPerSecond)
        }
        // A provider no apply has recorded yet has no objects to read: nothing is built for
        // it (no program started, no credential read) while a change is only planned.
        for (name, spec) in notApplied {
            entries[name] = ProviderRegistry.Entry(provider: UnavailableProvider(name: name, error: ProviderError(
                .invalidRequest, provider: name, message: "this provider is new and only planned; it is built when the change is applied",
                remedy: "apply the change")), concurrency: spec.limits.concurrency, requestsPerSecond: spec.limits.requestsPerSecond)
        }
        for name in unreadable where entries[name] == nil {
            entries[name] = ProviderRegistry.Entry(provider: UnavailableProvider(name: name, error: ProviderError(
                .invalidRequest, provider: name, message: "the state records this provider with an unknown type",
                remedy: "restore its Provider resource in the spec")))
        }
        return ProviderRegistry(entries)
    }

    /// The specs of the spec's providers, to record in the state.
    public static func specs(of resources: [Resource]) -> [String: FieldValue] {
        var specs: [String: FieldValue] = [:]
        for resource in resources where resource.id.kind == .provider { specs[resource.id.name] = resource.spec.fieldValue }
        return specs
    }

    /// The field path a problem starts with (`spec.config.endpoint: ...`), else `spec.config`.
    static func path(of problem: String) -> FieldPath {
        guard let colon = problem.firstIndex(of: ":") else { return "spec.config" }
        let head = String(problem[..<colon])
        guard head.hasPrefix("spec."), !head.contains(" ") else { return "spec.config" }
        return FieldPath(head)
    }
}
