public import ContinuumApply
import ContinuumProvider
import ContinuumKubernetes
public import ContinuumSim
public import ContinuumSpec
public import ContinuumState
public import Foundation

/// The provider factories by type: the composition root, the one place that knows every
/// provider type. It checks each `Provider` spec's `config` for `validate` (errors located
/// at the field), and builds the registry an apply calls from the spec's providers and
/// from the state's records of providers that are gone from the spec (their resources must
/// still be deleted through them).
public struct ProviderCatalog: Sendable {
    /// The factories by the type they serve.
    public var factories: [ProviderType: any ProviderFactory]
    /// Where the secrets generated for clusters (join tokens) are kept.
    public var secretsDirectory: URL

    /// Creates a catalog of `factories`.
    public init(factories: [any ProviderFactory], secretsDirectory: URL) {
        self.factories = Dictionary(factories.map { ($0.type, $0) }) { _, last in last }
        self.secretsDirectory = secretsDirectory
    }

    /// Every provider type this build has: the sim on `simWorld`, external programs,
    /// Redfish and libvirt; generated secrets beside the state (`secrets/`).
    public static func standard(simWorld: SimWorld, secretsDirectory: URL) -> ProviderCatalog {
        ProviderCatalog(
            factories: [SimProviderFactory(world: simWorld), ExternalProviderFactory(), RedfishProviderFactory(), LibvirtProviderFactory()],
            secretsDirectory: secretsDirectory)
    }

    /// The directory of generated secrets that goes with a state file: `secrets/` beside it.
    public static func secretsDirectory(forState statePath: String) -> URL {
        URL(fileURLWithPath: statePath).deletingLastPathComponent().appendingPathComponent("secrets", isDirectory: true)
    }

    /// Checks every provider's spec; each problem is located at the field it names.
    public func diagnostics(for resources: [Resource]) -> [Diagnostic] {
        resources.flatMap { resource -> [Diagnostic] in
            guard case .provider(let spec) = resource.spec else { return [] }
            guard let factory = factories[spec.type] else {
                return [Diagnostic(at: resource.location(of: "spec.type"),
                    "spec.type: provider type '\(spec.type.rawValue)' is not available in this build; use one of \(factories.keys.map(\.rawValue).sorted().joined(separator: ", "))")]
            }
            return factory.problems(in: spec).map { problem in
                Diagnostic(at: resource.location(of: Self.path(of: problem)), problem)
            }
        }
    }

    /// The registry for `resources` and the providers recorded in `state`.
    public func registry(resources: [Resource], state: StateSnapshot) -> ProviderRegistry {
        var specs: [String: ProviderSpec] = [:]
        var unreadable: [String] = []
        for (name, recorded) in state.providers {
            if let spec = ProviderSpec(recorded: recorded) { specs[name] = spec } else { unreadable.append(name) }
        }
        for resource in resources { if case .provider(let spec) = resource.spec { specs[resource.id.name] = spec } }
        // Only machine providers join clusters; a fleet of sim providers needs no directory.
        let joinsClusters = specs.values.contains { $0.type == .libvirt || $0.type == .redfish }
        let members = !joinsClusters ? [] : state.resources.compactMap { record -> ClusterMember? in
            guard let providerID = record.providerID else { return nil }
            return ClusterMember(providerID: providerID, name: record.id.name, labels: record.labels, address: record.outputs["ipAddress"]?.outputText ?? "")
        }
        let context = ProviderContext(clusterDirectory: ClusterDirectory(members), secretsDirectory: secretsDirectory)
        var entries: [String: ProviderRegistry.Entry] = [:]
        for (name, spec) in specs {
            let provider = factories[spec.type]?.make(name: name, spec: spec, context: context)
                ?? UnavailableProvider(name: name, type: spec.type, available: Array(factories.keys))
            entries[name] = ProviderRegistry.Entry(provider: provider, concurrency: spec.limits.concurrency, requestsPerSecond: spec.limits.requestsPerSecond)
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
