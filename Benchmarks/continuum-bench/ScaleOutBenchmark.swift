import ContinuumApply
import ContinuumController
import ContinuumEngine
import ContinuumGit
import ContinuumPostgres
import ContinuumSim
import ContinuumState
import ContinuumTesting
import Foundation
import Logging
import Metrics

/// Replicas sharing a fleet on one PostgreSQL (a throwaway local cluster), each figure next
/// to its baseline in the same run: the apply of a generated fleet on a latency-dominated sim
/// by one replica (unsharded, the state lease) and by three sharing it in shards; the time
/// from `kill -9` of a replica to the takeover of its shards, next to the lease duration;
/// and the no-change reconcile of a large fleet on PostgreSQL next to SQLite.
struct ScaleOutBenchmark {
    /// The apply of one fleet by some replicas.
    struct Apply: Codable {
        var replicas: Int
        var sharded: Bool
        var resources: Int
        /// From the controllers' start (clone, load, plan included) to every resource recorded.
        var seconds: Double
        /// The process's CPU time (user + system) meanwhile.
        var cpuSeconds: Double
    }

    /// One takeover after `kill -9`.
    struct Takeover: Codable {
        var leaseSeconds: Double
        var renewSeconds: Double
        /// From the kill to every shard of the dead replica held by another.
        var takeoverSeconds: Double
    }

    /// The no-change reconcile of one fleet on one store.
    struct NoChange: Codable {
        var store: String
        var resources: Int
        /// The first after another writer wrote the state (its snapshot decoded in full).
        var firstSeconds: Double
        /// The first after the controller's own store wrote it (its writes merged into the
        /// snapshot it had: `SnapshotDelta`).
        var afterOwnWriteSeconds: Double
        /// The mean of the next ones (the state unchanged since the last plan).
        var steadySeconds: Double
        var steadyCPUSeconds: Double
    }

    struct Result: Codable {
        var apply: [Apply]
        var takeover: [Takeover]
        var noChange: [NoChange]
    }

    var applyResources = 10_000
    var applyLatency = "100ms..200ms"
    var parallelism = 32
    var leases: [Int] = [2, 5, 10]
    /// Whether the PostgreSQL server flushes every commit (its default).
    var fsync = true
    var noChangeResources = 100_000
    var steadyRepeats = 3
    /// Which parts to run.
    var parts: Set<String> = ["apply", "takeover", "no-change"]

    func run(progress: (String) -> Void) async throws -> Result {
        let server = try PostgresServer(fsync: fsync)
        defer { server.stop() }
        var result = Result(apply: [], takeover: [], noChange: [])
        if parts.contains("apply") {
            for (replicas, sharded) in [(1, false), (3, true)] {
                result.apply.append(try await apply(server: server, replicas: replicas, sharded: sharded))
                progress("apply: \(replicas) replica(s)\(sharded ? ", sharded" : "") done")
            }
        }
        if parts.contains("takeover") {
            for lease in leases {
                result.takeover.append(try await takeover(server: server, lease: lease))
                progress("takeover with a \(lease) s lease done")
            }
        }
        if parts.contains("no-change") {
            result.noChange = try await noChange(server: server)
            progress("no-change reconciles done")
        }
        return result
    }

    // MARK: - Apply, 1 vs 3 replicas

    private func apply(server: PostgresServer, replicas: Int, sharded: Bool) async throws -> Apply {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url, name: "fleet")
        let generator = FleetGenerator(resources: applyResources, latency: applyLatency)
        _ = try generator.write(to: repository.directory.appendingPathComponent("specs"))
        try repository.commit([:], message: "fleet")
        let database = try server.createDatabase()
        let location = try PostgresLocation.parse(server.url(database))
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let cpu = CPUTime.now()
        let started = ContinuousClock.now
        var tasks: [Task<Void, any Error>] = []
        var controllers: [Controller] = []
        var stores: [PostgresStateStore] = []
        for index in 0..<replicas {
            let store = PostgresStateStore(location: location, password: nil)
            stores.append(store)
            var configuration = ControllerConfiguration(
                source: GitSourceOptions(url: repository.url, path: "specs", cacheDirectory: directory.url.appendingPathComponent("cache-\(index)")),
                statePath: "", interval: .seconds(1), driftInterval: .seconds(3600), apply: ApplyOptions(parallelism: parallelism),
                lease: LeasePolicy(),
                // Replicas in one process need holder names of their own (the default names the process).
                holder: "continuum-bench replica \(index) (\(UUID().uuidString.prefix(8)))", store: store)
            if sharded {
                configuration.shards = ShardMap()
            }
            let catalog = ProviderCatalog.standard(
                simWorld: SimWorld(path: directory.url.appendingPathComponent("sim.db").path), secretsDirectory: directory.url.appendingPathComponent("secrets"))
            let controller = Controller(configuration: configuration, catalog: catalog, metrics: ControllerMetrics(factory: NOOPMetricsHandler.instance), logger: logger)
            controllers.append(controller)
            tasks.append(Task { try await controller.run() })
        }
        defer { for task in tasks { task.cancel() } }
        // Applied when every replica's plan has nothing left to do, its own shards' or another's.
        try await Self.waitUntil("the fleet is applied", timeout: .seconds(3600)) {
            for controller in controllers {
                let status = await controller.currentStatus()
                guard status.phase == .ready, status.lastAppliedCommit != nil else { return false }
            }
            return true
        }
        let elapsed = ContinuousClock.now - started
        let used = CPUTime.now() - cpu
        for task in tasks { task.cancel() }
        for task in tasks { _ = await task.result }
        let recorded = Int(try server.query("SELECT count(*) FROM continuum_resources", database: database).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        for store in stores { await store.close() }
        return Apply(replicas: replicas, sharded: sharded, resources: recorded, seconds: elapsed.timeInterval, cpuSeconds: used)
    }

    // MARK: - Takeover after kill -9

    private func takeover(server: PostgresServer, lease: Int) async throws -> Takeover {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url, name: "fleet")
        let generator = FleetGenerator(resources: 3 * FleetGenerator.resourcesPerSite, latency: "0ms")
        _ = try generator.write(to: repository.directory.appendingPathComponent("specs"))
        try repository.commit([:], message: "fleet")
        let database = try server.createDatabase()
        let state = server.url(database)
        let renew = max(1, lease / 4)
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("continuum")
        var processes: [Process] = []
        defer {
            for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        for index in 0..<3 {
            let process = Process()
            process.executableURL = executable
            process.arguments = [
                "controller", "--repo", repository.url, "--path", "specs", "--interval", "1s", "--drift-interval", "1h",
                "--listen", "127.0.0.1:\(try PostgresServer.freePort())", "--state", state,
                "--sim-world", directory.url.appendingPathComponent("sim.db").path, "--cache-dir", directory.url.appendingPathComponent("cache-\(index)").path,
                "--shards", "provider", "--lock-lease", "\(lease)s", "--lock-renew", "\(renew)s", "--log-level", "error",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            processes.append(process)
        }
        let store = PostgresStateStore(location: try PostgresLocation.parse(state), password: nil)
        defer { Task { await store.close() } }
        func holders() async throws -> [String: String] {
            let now = Date().timeIntervalSince1970
            var holders: [String: String] = [:]
            for named in try await store.leases() where named.name.hasPrefix("shard/") && named.isHeld(at: now) {
                holders[named.name] = named.lock?.holder
            }
            return holders
        }
        // Each replica holds one of the three shards.
        try await Self.waitUntil("each replica holds a shard", timeout: .seconds(600)) {
            let held = try await holders()
            return held.count == 3 && processes.allSatisfy { process in held.values.contains { $0.contains("(pid \(process.processIdentifier) on ") } }
        }
        let victim = processes[0]
        let mark = "(pid \(victim.processIdentifier) on "
        let shards = try await holders().filter { $0.value.contains(mark) }.map(\.key)
        kill(victim.processIdentifier, SIGKILL)
        let killed = ContinuousClock.now
        victim.waitUntilExit()
        try await Self.waitUntil("another replica took the dead one's shards", timeout: .seconds(600), every: .milliseconds(10)) {
            let held = try await holders()
            return shards.allSatisfy { held[$0].map { !$0.contains(mark) } ?? false }
        }
        let taken = ContinuousClock.now - killed
        return Takeover(leaseSeconds: Double(lease), renewSeconds: Double(renew), takeoverSeconds: taken.timeInterval)
    }

    // MARK: - No-change reconcile, PostgreSQL vs SQLite

    private func noChange(server: PostgresServer) async throws -> [NoChange] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url, name: "fleet")
        let generator = FleetGenerator(resources: noChangeResources, latency: "0ms")
        _ = try generator.write(to: repository.directory.appendingPathComponent("specs"))
        try repository.commit([:], message: "fleet")
        let world = SimWorld(path: directory.url.appendingPathComponent("sim.db").path)
        let catalog = ProviderCatalog.standard(simWorld: world, secretsDirectory: directory.url.appendingPathComponent("secrets"))
        let sqlite = SQLiteStateStore(path: directory.url.appendingPathComponent("state.db").path)
        var results: [NoChange] = []
        // SQLite: the apply writes the state, then the no-change reconciles.
        let sqlitePath = directory.url.appendingPathComponent("state.db").path
        results.append(try await measureNoChange(
            store: sqlite, other: { SQLiteStateStore(path: sqlitePath) }, name: "SQLite", repository: repository, catalog: catalog, directory: directory, apply: true))
        // PostgreSQL: the same state copied in one transaction, then the same reconciles.
        let location = try PostgresLocation.parse(server.url(try server.createDatabase()))
        let postgres = PostgresStateStore(location: location, password: nil)
        let snapshot = try await sqlite.snapshot()
        _ = try await postgres.commit(upserts: snapshot.resources, removals: [])
        try await postgres.recordProviders(snapshot.providers)
        results.append(try await measureNoChange(
            store: postgres, other: { PostgresStateStore(location: location, password: nil) }, name: "PostgreSQL", repository: repository, catalog: catalog,
            directory: directory, apply: false))
        await postgres.close()
        return results
    }

    private func measureNoChange(
        store: any StateStore, other: @Sendable () -> any StateStore, name: String, repository: GitFixture, catalog: ProviderCatalog,
        directory: TemporaryDirectory, apply: Bool
    ) async throws -> NoChange {
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let controller = Controller(
            configuration: ControllerConfiguration(
                source: GitSourceOptions(url: repository.url, path: "specs", cacheDirectory: directory.url.appendingPathComponent("cache-\(name)")),
                statePath: "", interval: .seconds(3600), driftInterval: .seconds(3600), store: store),
            catalog: catalog, metrics: ControllerMetrics(factory: NOOPMetricsHandler.instance), logger: logger)
        let running = Task { try await controller.run() }
        defer { running.cancel() }
        // The first reconcile applies (SQLite) or finds nothing to do (the copied state).
        let first = try await Self.reconcile(controller, after: nil)
        var previous = first
        if !apply, first.result != .noChanges { throw BenchmarkError(message: "the copied state did not match the fleet: \(first)") }
        // The first no-change reconcile after another writer moved the state: its snapshot
        // is decoded in full.
        let writer = other()
        _ = try await writer.commit(upserts: [], removals: [])
        if let writer = writer as? PostgresStateStore { await writer.close() }
        let (again, _) = try await Self.noChangeReconcile(controller, after: first.time)
        let firstNoChange = again.durationSeconds
        previous = again
        var steady = 0.0, steadyCPU = 0.0
        for _ in 0..<max(1, steadyRepeats) {
            let (next, cpu) = try await Self.noChangeReconcile(controller, after: previous.time)
            steady += next.durationSeconds
            steadyCPU += cpu
            previous = next
        }
        // And after a write of its own (as after an apply): merged, not decoded.
        _ = try await store.commit(upserts: [], removals: [])
        let (own, _) = try await Self.noChangeReconcile(controller, after: previous.time)
        let repeats = Double(max(1, steadyRepeats))
        return NoChange(store: name, resources: try await store.snapshot().resources.count, firstSeconds: firstNoChange,
            afterOwnWriteSeconds: own.durationSeconds, steadySeconds: steady / repeats, steadyCPUSeconds: steadyCPU / repeats)
    }

    private static func noChangeReconcile(_ controller: Controller, after previous: Date) async throws -> (ControllerStatus.Reconcile, Double) {
        let cpu = CPUTime.now()
        await controller.checkDriftNow()
        let reconcile = try await reconcile(controller, after: previous)
        guard reconcile.result == .noChanges else { throw BenchmarkError(message: "a reconcile was not a no-change one: \(reconcile)") }
        return (reconcile, CPUTime.now() - cpu)
    }

    private static func reconcile(_ controller: Controller, after previous: Date?) async throws -> ControllerStatus.Reconcile {
        var found: ControllerStatus.Reconcile?
        try await waitUntil("a reconcile", timeout: .seconds(3600), every: .milliseconds(20)) {
            if let last = await controller.currentStatus().lastReconcile, previous.map({ last.time > $0 }) ?? true { found = last }
            return found != nil
        }
        guard let found else { throw BenchmarkError(message: "no reconcile") }
        return found
    }

    /// Polls `condition` every `interval` until it holds; a safety net of `timeout`.
    static func waitUntil(_ what: String, timeout: Duration, every interval: Duration = .milliseconds(500), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: interval)
        }
        throw BenchmarkError(message: "timed out waiting until \(what)")
    }
}
