import ContinuumApply
import ContinuumEngine
import ContinuumGraph
import ContinuumPlanner
import ContinuumProvider
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// A spec repository, a sim world and a state store in a temporary directory.
struct ApplyHarness {
    let directory: TemporaryDirectory
    let world: SimWorld
    let store: SQLiteStateStore
    var files: [String: String]
    var configs: [String: SimConfig] = [:]

    init(_ files: [String: String]) throws {
        directory = try TemporaryDirectory()
        world = SimWorld(path: directory.url.appendingPathComponent("sim.db").path)
        store = SQLiteStateStore(path: directory.url.appendingPathComponent("state.db").path)
        self.files = files
    }

    func loaded() throws -> (resources: [Resource], graph: ResourceGraph) {
        let repository = SpecHarness.load(files)
        let (graph, diagnostics) = GraphBuilder().build(repository.resources, rejected: repository.rejected)
        try #require(repository.diagnostics + diagnostics == [])
        return (repository.resources, graph)
    }

    func registry() throws -> ProviderRegistry {
        var entries: [String: ProviderRegistry.Entry] = [:]
        for resource in try loaded().resources where resource.id.kind == .provider {
            let name = resource.id.name
            entries[name] = .init(provider: SimProvider(name: name, config: configs[name] ?? SimConfig(), world: world, sleep: { _ in }), concurrency: 4)
        }
        return ProviderRegistry(entries)
    }

    func plan(refresh: Bool = true) async throws -> Plan {
        let (resources, graph) = try loaded()
        let snapshot = refresh ? try await Refresher(store: store, registry: registry()).refresh().snapshot : try await store.snapshot()
        return try Planner().plan(resources: resources, graph: graph, state: snapshot)
    }

    /// Applies the files through the engine's reconciliation, as the CLI and the controller do.
    func apply(_ options: ApplyOptions = .fast, stop: StopSignal = StopSignal(), events: @escaping @Sendable (ApplyEvent) -> Void = { _ in }) async throws -> ApplyResult {
        let (resources, graph) = try loaded()
        let repository = SpecRepository(resources: resources, rejected: [], fileCount: files.count, diagnostics: [])
        let catalog = ProviderCatalog(factories: [HarnessSimFactory(world: world, configs: configs)], secretsDirectory: directory.url.appendingPathComponent("secrets"))
        let reconciler = Reconciler(store: store, catalog: catalog, options: ReconcileOptions(apply: options))
        switch await reconciler.reconcile(ValidatedSpecs(repository: repository, graph: graph), source: "test", stop: stop, events: events) {
        case .applied(_, let result): return result ?? .nothing
        case .failed(let failure, _): throw failure
        case let other: throw HarnessFailure(description: "the reconcile was not applied: \(other)")
        }
    }

    func remove() { directory.remove() }
}

/// The sim factory with the harness's configs and no sleeping, at concurrency 4 as `registry()`.
struct HarnessSimFactory: ProviderFactory {
    let world: SimWorld
    let configs: [String: SimConfig]

    var type: ProviderType { .sim }

    func problems(in spec: ProviderSpec, connection: Connection?) -> [String] { SimProviderFactory(world: world).problems(in: spec, connection: connection) }

    func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        SimProvider(name: name, config: configs[name] ?? SimConfig(), world: world, sleep: { _ in })
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
}

extension ApplyOptions {
    static let fast = ApplyOptions(parallelism: 10, maximumAttempts: 8, initialBackoff: .milliseconds(1), maximumBackoff: .milliseconds(5))
}

enum Fleet {
    static let providers = SpecSamples.file(SpecSamples.provider(), SpecSamples.provider("es-bio-cloud"))
    static let files: [String: String] = [
        "providers.yaml": providers,
        "fra.yaml": SpecSamples.file(
            SpecSamples.network(),
            SpecSamples.virtualMachine("web-1"),
            SpecSamples.virtualMachine("web-2", extra: ["userData: \"peer=${VirtualMachine/web-1.outputs.ipAddress}\""]),
            SpecSamples.bareMetalNode(), SpecSamples.kubernetesCluster()),
        "bio.yaml": SpecSamples.file(
            SpecSamples.network("bio-net", provider: "es-bio-cloud", cidr: "10.30.0.0/24"),
            SpecSamples.virtualMachine("bio-1", provider: "es-bio-cloud", networks: ["Network/bio-net"]),
            SpecSamples.virtualMachine("bio-2", provider: "es-bio-cloud", networks: ["Network/bio-net"], dependsOn: ["VirtualMachine/bio-1"])),
    ]
}
