import ContinuumApply
import ContinuumEngine
import ContinuumPlanner
import ContinuumPostgres
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation

/// The executor's own ceiling: a fleet of creates applied at high parallelism by providers
/// that take no time (an instant in-memory provider, and the sim at zero latency), on the
/// state stores users run, with the journal written a transaction per intent and per
/// completion (the baseline) and with group commit, in the same run. Wall time, operations
/// per second and CPU time per operation (user + system, the whole process).
struct ExecutorBenchmark {
    /// One apply's figures.
    struct Result: Codable {
        var provider: String
        var store: String
        var journal: String
        var operations: Int
        var wallSeconds: Double
        var cpuSeconds: Double

        var operationsPerSecond: Double { Double(operations) / wallSeconds }
        var cpuMicrosecondsPerOperation: Double { cpuSeconds / Double(operations) * 1_000_000 }
    }

    let resources: Int
    let parallelism: Int
    let providers: [String]
    let stores: [String]
    let fsync: Bool

    static let sites = 12

    func run(report: (Result) -> Void) async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let specDirectory = root.url.appendingPathComponent("spec")
        try write(to: specDirectory)
        let server = stores.contains("postgresql") ? try PostgresServer(fsync: fsync) : nil
        defer { server?.stop() }
        var run = 0
        for provider in providers {
            for store in stores {
                for grouped in [false, true] {
                    run += 1
                    let directory = root.url.appendingPathComponent("run\(run)")
                    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                    let state: any StateStore = switch store {
                    case "sqlite": SQLiteStateStore(path: directory.appendingPathComponent("state.db").path)
                    case "postgresql": PostgresStateStore(location: try PostgresLocation.parse(try server.unwrap().url(try server.unwrap().createDatabase())), password: nil)
                    default: InMemoryStateStore()
                    }
                    let factory: any ProviderFactory = provider == "instant"
                        ? InstantProviderFactory() : SimProviderFactory(world: SimWorld(path: directory.appendingPathComponent("sim.db").path))
                    let catalog = ProviderCatalog(factories: [factory], secretsDirectory: directory)
                    report(try await applyOnce(specDirectory, catalog: catalog, store: state, provider: provider, storeName: store, grouped: grouped))
                    if let postgres = state as? PostgresStateStore { await postgres.close() }
                }
            }
        }
    }

    /// Plans the fleet against an empty state, then times the executor alone.
    private func applyOnce(_ specs: URL, catalog: ProviderCatalog, store: any StateStore, provider: String, storeName: String, grouped: Bool) async throws -> Result {
        let loaded = try await ValidatedSpecs.load(specs, catalog: catalog)
        try await store.lock(holder: "bench", for: .seconds(3_600))
        let plan = try Planner().plan(resources: loaded.resources, graph: loaded.graph, state: try await store.snapshot())
        let registry = catalog.registry(resources: loaded.resources, state: .empty)
        var options = ApplyOptions(parallelism: parallelism)
        options.groupCommit = grouped
        let recorder = ResourceEventRecorder(source: "bench")
        let cpu = CPUTime.now()
        let started = ContinuousClock.now
        let result = try await Executor(options: options).apply(plan, resources: loaded.resources, store: store, registry: registry, events: recorder.record)
        let wall = (ContinuousClock.now - started).timeInterval
        let used = CPUTime.now() - cpu
        guard result.succeeded, result.added == plan.steps.count else {
            throw BenchmarkError(message: "the \(provider) apply on \(storeName) did not create every resource: \(result.summaryLine)")
        }
        try await store.appendEvents(recorder.drain())
        return Result(
            provider: provider, store: storeName, journal: grouped ? "group commit" : "per operation", operations: plan.steps.count,
            wallSeconds: wall, cpuSeconds: used)
    }

    /// Per site a provider (sim type, no latency, concurrency as high as the parallelism) and
    /// a network, the rest VMs on it: every operation is a create, nothing interpolates.
    private func write(to root: URL) throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let perSite = max(2, resources / Self.sites)
        for site in 0..<Self.sites {
            var documents = [
                """
                apiVersion: continuum.dev/v1
                kind: Provider
                metadata: {name: site\(site)}
                spec:
                  type: sim
                  site: site\(site)
                  config: {latency: "0ms", seed: "\(site)"}
                  limits: {concurrency: \(parallelism)}
                """,
                """
                apiVersion: continuum.dev/v1
                kind: Network
                metadata: {name: net\(site)}
                spec: {provider: site\(site), cidr: 10.\(site).0.0/16, vlan: \(100 + site)}
                """,
            ]
            for machine in 0..<(perSite - 1) {
                documents.append("""
                    apiVersion: continuum.dev/v1
                    kind: VirtualMachine
                    metadata: {name: vm\(site)-\(machine)}
                    spec: {provider: site\(site), cpu: 2, memory: 4Gi, image: debian-12, networks: [Network/net\(site)]}
                    """)
            }
            try Data((documents.joined(separator: "\n---\n") + "\n").utf8).write(to: root.appendingPathComponent("site\(site).yaml"))
        }
    }
}

extension Optional {
    /// The value, or a benchmark error when there is none.
    func unwrap() throws -> Wrapped {
        guard let self else { throw BenchmarkError(message: "a peer the benchmark needs was not started") }
        return self
    }
}
