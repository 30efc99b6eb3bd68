import ContinuumPostgres
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Three `continuum controller --shards provider` processes on one real PostgreSQL share a
/// fleet on slow sim providers: one killed with SIGKILL mid-apply, one paused with SIGSTOP
/// past its lease, and a rolling restart of all three; every time the fleet converges with
/// no duplicate, no orphan and no operation applied twice. Every wait is on the state, the
/// lease table or a process, with a generous safety net, never on time alone.
@Suite("Sharded controllers", .serialized)
struct ShardedControllerTests {
    static let sites = 3
    static let machinesPerSite = 8
    /// Resources in the state once converged: a network and the machines of each site.
    static var resourceCount: Int { sites * (machinesPerSite + 1) }
    static let safetyNet: Duration = .seconds(180)

    /// A fleet of `sites` sim providers with latency (one call at a time, 1–2 s each, so an
    /// apply lasts long enough to be observed mid-way on a loaded machine), each a shard; the first machine of
    /// every site after the first depends on the previous site's (ordering across shards).
    static func fleet() -> [String: String] {
        var files: [String: String] = [:]
        for site in 0..<sites {
            let provider = "site-\(site)"
            var documents = [
                """
                apiVersion: continuum.dev/v1
                kind: Provider
                metadata: {name: \(provider)}
                spec:
                  type: sim
                  config: {latency: "1s..2s", seed: "\(site + 3)"}
                  limits: {concurrency: 1}
                """,
                SpecSamples.network("net-\(site)", provider: provider, cidr: "10.\(40 + site).0.0/24"),
            ]
            for machine in 0..<machinesPerSite {
                let dependsOn = site > 0 && machine == 0 ? ["VirtualMachine/vm-\(site - 1)-0"] : []
                documents.append(SpecSamples.virtualMachine("vm-\(site)-\(machine)", provider: provider, networks: ["Network/net-\(site)"], dependsOn: dependsOn))
            }
            files["specs/site-\(site).yaml"] = documents.joined(separator: "\n---\n")
        }
        return files
    }

    /// A controller process with its own listener, Git cache and log file.
    final class Replica: @unchecked Sendable {
        let index: Int
        let port: Int
        let log: URL
        let process: Process
        var server: String { "http://127.0.0.1:\(port)" }
        var pid: Int32 { process.processIdentifier }
        /// How the replica's holder name starts in the lease table.
        var holderMark: String { "(pid \(pid) on " }

        init(index: Int, world: Fleet, generation: Int = 0) throws {
            self.index = index
            port = ControllerCLITests.listenPort()
            log = world.directory.url.appendingPathComponent("replica-\(index)-\(generation).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process = Process()
            process.executableURL = try CLIRunner.executable()
            process.arguments = [
                "controller", "--repo", world.repository.url, "--path", "specs", "--interval", "1s", "--drift-interval", "1h",
                "--listen", "127.0.0.1:\(port)", "--state", world.state, "--sim-world", world.world,
                "--cache-dir", world.directory.url.appendingPathComponent("cache-\(index)").path,
                "--shards", "provider", "--lock-lease", "4s", "--lock-renew", "1s", "--shard-poll", "300ms", "--log-format", "json",
            ]
            process.currentDirectoryURL = world.directory.url
            var environment = ProcessInfo.processInfo.environment
            environment["CONTINUUM_STATE"] = nil
            environment["CONTINUUM_SIM_WORLD"] = nil
            process.environment = environment
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        func output() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        func stop() {
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// The shared pieces: a Git repository, a PostgreSQL database, a sim world.
    struct Fleet {
        let directory: TemporaryDirectory
        let repository: GitFixture
        let server: PostgresServer
        let database: String
        let state: String
        let world: String
        let store: PostgresStateStore

        init() throws {
            directory = try TemporaryDirectory()
            repository = try GitFixture(in: directory.url)
            _ = try repository.commit(ShardedControllerTests.fleet())
            server = try PostgresServer.shared()
            database = try server.createDatabase()
            state = server.url(database)
            world = directory.url.appendingPathComponent("sim.db").path
            store = PostgresStateStore(location: try PostgresLocation.parse(state), password: nil)
        }

        /// The live shard leases, by shard: holder and generation.
        func shards() async throws -> [String: (holder: String?, generation: Int64)] {
            let now = Date().timeIntervalSince1970
            var shards: [String: (holder: String?, generation: Int64)] = [:]
            for lease in try await store.leases() where lease.name.hasPrefix("shard/") {
                shards[String(lease.name.dropFirst(6))] = (lease.isHeld(at: now) ? lease.lock?.holder : nil, lease.generation)
            }
            return shards
        }

        /// The replicas whose logs a timeout shows.
        var replicas: [Replica] = []

        /// Waits until `condition` holds, checking every 50 ms, up to the safety net.
        func wait(_ what: String, _ condition: () async throws -> Bool) async throws {
            let deadline = ContinuousClock.now + ShardedControllerTests.safetyNet
            while ContinuousClock.now < deadline {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            let logs = replicas.map { "replica \($0.index) (pid \($0.pid), running: \($0.process.isRunning)):\n\($0.output().suffix(3_000))" }
            Issue.record("timed out (safety net) waiting until \(what); leases: \((try? await store.leases()) ?? [])\n\(logs.joined(separator: "\n"))")
            throw FixtureError(message: "timed out waiting until \(what)")
        }

        /// A pending intent of a shard `replica` holds: an operation of it in flight.
        func intentInFlight(of replica: Replica) async throws -> JournalEntry? {
            let shards = try await shards()
            return try await store.pendingIntents().first { entry in
                shards[entry.provider]?.holder?.contains(replica.holderMark) ?? false
            }
        }

        /// Waits until one of `replicas` has an operation in flight; returns it and the intent.
        func replicaWithAnOperationInFlight(_ replicas: [Replica]) async throws -> (Replica, JournalEntry) {
            try await releaseHeldApply(replicas)
            var found: (Replica, JournalEntry)?
            try await wait("a replica has an operation in flight") {
                for replica in replicas { if let entry = try await intentInFlight(of: replica) { found = (replica, entry) } }
                return found != nil
            }
            return try #require(found)
        }

        /// Suspends the fleet in its state before the replicas start, so that they take their
        /// shards and plan but apply nothing until `releaseHeldApply`: the apply then starts
        /// while this test's own store is connected and watching, however long connecting
        /// takes on a loaded machine.
        func holdApply() async throws {
            try await store.setControl("suspended", to: "held by the test until every replica holds a shard")
        }

        /// Waits until every shard is held, then resumes each replica (`POST /api/v1/resume`).
        func releaseHeldApply(_ replicas: [Replica]) async throws {
            guard try await store.controls()["suspended"] != nil else { return }
            try await wait("every shard is held") { try await shards().values.compactMap(\.holder).count == ShardedControllerTests.sites }
            for replica in replicas {
                var request = URLRequest(url: try #require(URL(string: replica.server + "/api/v1/resume")))
                request.httpMethod = "POST"
                let (_, response) = try await URLSession.shared.data(for: request)
                #expect((response as? HTTPURLResponse)?.statusCode == 200)
            }
        }

        /// Whether the fleet converged: every resource recorded with its object, nothing pending.
        func converged() async throws -> Bool {
            let snapshot = try await store.snapshot()
            guard snapshot.resources.count == ShardedControllerTests.resourceCount, snapshot.resources.allSatisfy({ $0.providerID != nil }) else { return false }
            return try await store.pendingIntents().isEmpty
        }

        /// Zero duplicates, zero orphans, no operation applied twice (the journal's audit).
        func audit() async throws {
            let snapshot = try await store.snapshot()
            let objects = try await SimWorld(path: world).objects()
            let byResource = Dictionary(grouping: objects, by: \.resource)
            #expect(byResource.count == ShardedControllerTests.resourceCount)
            #expect(byResource.values.allSatisfy { $0.count == 1 }, "no duplicates: \(byResource.filter { $0.value.count > 1 }.keys)")
            #expect(Set(objects.map(\.id)) == Set(snapshot.resources.compactMap(\.providerID)), "no orphans: every object is recorded, every record has its object")
            #expect(try await store.pendingIntents().isEmpty)
            // Every create that succeeded, per resource: one each.
            let rows = try server.query("SELECT entry FROM continuum_journal WHERE outcome = 'succeeded'", database: database)
            let decoder = JSONDecoder()
            let entries = rows.split(separator: "\n").compactMap { try? decoder.decode(JournalEntry.self, from: Data($0.utf8)) }
            let creates = Dictionary(grouping: entries.filter { $0.operation == .create }, by: \.resource)
            #expect(creates.values.allSatisfy { $0.count == 1 }, "no create applied twice: \(creates.filter { $0.value.count > 1 }.keys)")
            #expect(entries.filter { $0.operation != .create }.isEmpty, "nothing was updated or deleted")
        }

        func remove() {
            let store = self.store
            Task { await store.close() }
            directory.remove()
        }
    }

    /// GET `path` on a replica's listener.
    static func get(_ replica: Replica, _ path: String) async throws -> String {
        let url = try #require(URL(string: replica.server + path))
        let (data, _) = try await URLSession.shared.data(from: url)
        return String(decoding: data, as: UTF8.self)
    }

    /// A fleet whose apply is held (suspended) until every replica holds a shard, and its
    /// three replicas.
    static func heldFleetOfThree() async throws -> (Fleet, [Replica]) {
        var fleet = try Fleet()
        do {
            try await fleet.holdApply()
            let replicas = try (0..<3).map { try Replica(index: $0, world: fleet) }
            fleet.replicas = replicas
            return (fleet, replicas)
        } catch {
            fleet.remove()
            throw error
        }
    }

    @Test func aReplicaKilledMidApplyLosesItsShardsToTheOthersAndTheFleetConverges() async throws {
        let (fleet, replicas) = try await Self.heldFleetOfThree()
        defer {
            for replica in replicas { replica.stop() }
            fleet.remove()
        }

        // Kill the one whose journal shows an operation in flight first.
        let (killed, entry) = try await fleet.replicaWithAnOperationInFlight(replicas)
        let before = try await fleet.shards()
        let shard = entry.provider
        kill(killed.pid, SIGKILL)
        killed.process.waitUntilExit()

        try await fleet.wait("another replica took the dead replica's shard over") {
            let now = try await fleet.shards()[shard]
            return now?.holder.map { !$0.contains(killed.holderMark) } ?? false
        }
        try await fleet.wait("the fleet converged") { try await fleet.converged() }
        try await fleet.audit()
        let after = try await fleet.shards()
        #expect((after[shard]?.generation ?? 0) > (before[shard]?.generation ?? 0), "the takeover moved the shard's generation")
        let survivors = replicas.filter { $0 !== killed }
        try await fleet.wait("the two survivors share the three shards fairly (two and one)") {
            let holders = try await fleet.shards().values.compactMap(\.holder)
            let counts = survivors.map { replica in holders.filter { $0.contains(replica.holderMark) }.count }
            return holders.count == 3 && counts.sorted() == [1, 2]
        }

        let survivor = try #require(replicas.first { $0 !== killed })
        let status = try await Self.get(survivor, "/api/v1/status")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any])
        let shards = try #require(json["shards"] as? [[String: Any]], "the status lists the shards: \(status)")
        #expect(Set(shards.compactMap { $0["shard"] as? String }) == ["site-0", "site-1", "site-2"])
        #expect(shards.allSatisfy { ($0["holder"] as? String).map { !$0.contains(killed.holderMark) } ?? true })
        #expect((json["replicas"] as? [String])?.count == 2 || (json["replicas"] as? [String])?.count == 3)
        let metrics = try await Self.get(survivor, "/metrics")
        #expect(metrics.contains("continuum_shard_owned{shard=\"site-"), "\(metrics.prefix(2_000))")
        #expect(metrics.contains("continuum_lease_transitions_total{transition=\"acquired\"}"))
    }

    @Test func aReplicaPausedPastItsLeaseWritesNothingWhenContinuedAndStepsDown() async throws {
        let (fleet, replicas) = try await Self.heldFleetOfThree()
        defer {
            for replica in replicas { replica.stop() }
            fleet.remove()
        }

        let (paused, entry) = try await fleet.replicaWithAnOperationInFlight(replicas)
        kill(paused.pid, SIGSTOP)
        let shard = entry.provider
        try await fleet.wait("another replica took the paused replica's shard over") {
            let now = try await fleet.shards()
            let held = now.values.compactMap(\.holder)
            return now[shard]?.holder.map { !$0.contains(paused.holderMark) } ?? false && !held.contains { $0.contains(paused.holderMark) }
        }
        kill(paused.pid, SIGCONT)
        try await fleet.wait("the paused replica's write was refused and it stepped down") {
            let output = paused.output()
            return output.contains("was taken over") && (output.contains("stepping down") || output.contains("lost shards"))
        }
        #expect(paused.process.isRunning, "it stepped down, and runs on")
        try await fleet.wait("the fleet converged") { try await fleet.converged() }
        try await fleet.audit()
    }

    @Test func aRollingRestartOfAllThreeLosesNothing() async throws {
        var fleet = try Fleet()
        defer { fleet.remove() }
        var replicas = try (0..<3).map { try Replica(index: $0, world: fleet) }
        fleet.replicas = replicas
        defer { for replica in replicas { replica.stop() } }
        for index in 0..<3 {
            // Restart each replica in turn while the fleet is applied (SIGTERM: in-flight
            // operations finish and are recorded, its shards are released at once).
            try await fleet.wait("replica \(index) has an operation in flight or the fleet converged") {
                if try await fleet.intentInFlight(of: replicas[index]) != nil { return true }
                return try await fleet.converged()
            }
            kill(replicas[index].pid, SIGTERM)
            replicas[index].process.waitUntilExit()
            #expect(replicas[index].process.terminationStatus == 0, "\(replicas[index].output().suffix(2_000))")
            replicas[index] = try Replica(index: index, world: fleet, generation: 1)
        }
        try await fleet.wait("the fleet converged") { try await fleet.converged() }
        try await fleet.audit()
        try await fleet.wait("each restarted replica holds its fair share, one shard") {
            let holders = try await fleet.shards().values.compactMap(\.holder)
            return holders.count == 3 && replicas.allSatisfy { replica in holders.filter { $0.contains(replica.holderMark) }.count == 1 }
        }
    }
}
