import ContinuumApply
import ContinuumEngine
import ContinuumProvider
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Synchronization
import Testing

/// A spec repository on two sim providers, a sim world and a SQLite state in a temporary
/// directory, reconciled through the engine with the production catalog, except that
/// providers named in `broken` answer every call with an error (a BMC that went away).
final class EngineHarness: Sendable {
    let directory: TemporaryDirectory
    let world: SimWorld
    let store: SQLiteStateStore
    let broken = BrokenProviders()

    init() throws {
        directory = try TemporaryDirectory()
        world = SimWorld(path: directory.url.appendingPathComponent("sim.db").path)
        store = SQLiteStateStore(path: directory.url.appendingPathComponent("state.db").path)
    }

    /// Writes the fleet: a network and two VMs on `de-fra-cloud`, a network and a VM on `es-bio-cloud`.
    func writeFleet(fraVMs: Int = 2) throws {
        try directory.write("specs/providers.yaml", SpecSamples.file(SpecSamples.provider(), SpecSamples.provider("es-bio-cloud")))
        var fra = [SpecSamples.network()]
        for index in 1...max(1, fraVMs) { fra.append(SpecSamples.virtualMachine("web-\(index)")) }
        try directory.write("specs/fra.yaml", fra.joined(separator: "\n---\n"))
        try directory.write("specs/bio.yaml", SpecSamples.file(
            SpecSamples.network("bio-net", provider: "es-bio-cloud", cidr: "10.30.0.0/24"),
            SpecSamples.virtualMachine("bio-1", provider: "es-bio-cloud", networks: ["Network/bio-net"])))
    }

    var catalog: ProviderCatalog {
        let broken = self.broken
        return ProviderCatalog(factories: [BreakableSimFactory(world: world, broken: broken)], secretsDirectory: directory.url.appendingPathComponent("secrets"))
    }

    func specs() async throws -> ValidatedSpecs {
        try await ValidatedSpecs.load(directory.url.appendingPathComponent("specs"), catalog: catalog)
    }

    func reconciler(_ options: ReconcileOptions = ReconcileOptions(apply: .fast)) -> Reconciler {
        Reconciler(store: store, catalog: catalog, options: options)
    }

    /// Sets `field` of `resource`'s object in the sim world, outside Continuum (drift).
    func changeOutside(_ resource: ResourceID, field: String, to value: FieldValue) async throws {
        var object = try #require(try await world.objects().first { $0.resource == resource })
        guard case .map(var fields) = object.spec, let index = fields.firstIndex(where: { $0.key == field }) else {
            Issue.record("\(resource) has no \(field)")
            return
        }
        fields[index].value = value
        object.spec = .map(fields)
        let changed = object
        try await world.replace(changed)
    }

    func remove() { directory.remove() }
}

extension ApplyOptions {
    /// Retries without waiting, so failure paths run quickly.
    static let fast = ApplyOptions(parallelism: 10, maximumAttempts: 2, initialBackoff: .milliseconds(1), maximumBackoff: .milliseconds(2), attemptTimeout: .seconds(30))
}

/// The sim factory, except that providers whose names are in `broken` fail every call.
struct BreakableSimFactory: ProviderFactory {
    let sim: SimProviderFactory
    let broken: BrokenProviders

    init(world: SimWorld, broken: BrokenProviders) {
        sim = SimProviderFactory(world: world)
        self.broken = broken
    }

    var type: ProviderType { .sim }

    func problems(in spec: ProviderSpec, connection: Connection?) -> [String] { sim.problems(in: spec, connection: connection) }

    func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        broken.contains(name) ? FailingProvider(name: name) : sim.make(name: name, spec: spec, connection: connection, context: context)
    }
}

/// The names of the providers that fail, changed by a test as it goes.
final class BrokenProviders: Sendable {
    private let names = Mutex<Set<String>>([])

    func set(_ new: Set<String>) { names.withLock { $0 = new } }
    func contains(_ name: String) -> Bool { names.withLock { $0.contains(name) } }
}

/// A provider whose every call fails with a retryable error.
struct FailingProvider: Provider {
    let name: String
    var error: ProviderError { ProviderError(.unavailable, provider: name, message: "the endpoint does not answer", remedy: "check the provider") }

    func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? { throw error }
    func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? { throw error }
    func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject { throw error }
    func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject { throw error }
    func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) { throw error }
}
