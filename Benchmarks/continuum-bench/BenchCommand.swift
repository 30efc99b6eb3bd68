import ArgumentParser
import ContinuumSpec
import Foundation

/// `continuum-bench`: measures Continuum on generated fleets, next to baselines measured
/// in the same run.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continuum-bench",
        abstract: "Measure Continuum on generated fleets, next to baselines measured in the same run.",
        discussion: "Build in release mode for meaningful figures: swift run -c release continuum-bench plan",
        subcommands: [PlanBench.self, PlanOutputBench.self, ApplyBench.self, ControllerBench.self, RedfishBench.self, LibvirtBench.self, OpenNebulaBench.self, StoreBench.self, ExecutorBench.self, ShardsBench.self, RenewalBench.self],
        defaultSubcommand: PlanBench.self
    )
}

/// Output formats.
enum Format: String, ExpressibleByArgument {
    case table, json
}

/// Prints results as pretty, key-sorted JSON, so that runs can be compared with a diff.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// `continuum-bench plan`.
struct PlanBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Load + validate + graph + plan, next to the libyaml parse of the same files."
    )

    @Option(help: "Fleet sizes to measure (resources); repeat the option for several.")
    var resources: [Int] = [1_000, 10_000, 100_000]

    @Option(help: "table or json.")
    var format: Format = .table

    func run() async throws {
        var results: [PlanBenchmark.Result] = []
        for size in resources.sorted() {
            results.append(try await PlanBenchmark(requestedResources: size).run())
            if format == .table { print(Self.row(results[results.count - 1], header: results.count == 1)) }
        }
        if format == .json {
            try printJSON(results)
        } else {
            print("\ntotal = load+validate + graph + plan (all creates); ratio = total / libyaml parse of the same files (one core).")
            print("no-change = plan against a state that matches the spec. peak RSS = the high-water mark after load, validate and both plans.")
            print("1-file reload = load + validate after a one-line change in one file, reusing the first load's cache: files whose stat is unchanged are")
            print("  not read, files read are hashed and parsed only when their content changed (read / parsed: how many).")
            print("1-file replan = that reload + Planner.replan from the no-change plan's memo, told which resources the reload replaced;")
            print("  full replan = load + graph + plan of the edited tree without either.")
        }
    }

    static func row(_ r: PlanBenchmark.Result, header: Bool) -> String {
        func s(_ value: Double) -> String { String(format: "%.3f", value) }
        let columns = [
            ("resources", "\(r.resources)"), ("files", "\(r.files)"), ("edges", "\(r.edges)"), ("libyaml s", s(r.libyamlParseSeconds)),
            ("load+valid s", s(r.loadValidateSeconds)), ("graph s", s(r.graphSeconds)), ("plan s", s(r.planCreateSeconds)),
            ("total s", s(r.totalSeconds)), ("ratio", String(format: "%.2fx", r.ratioToParse)), ("no-change s", s(r.planNoChangeSeconds)),
            ("1-file reload s", s(r.reloadOneFileSeconds)), ("read", "\(r.reloadReadFiles)"), ("parsed", "\(r.reloadParsedFiles)"),
            ("1-file replan s", s(r.replanOneFileSeconds)), ("rediffed", "\(r.replanRediffed)"), ("full replan s", s(r.fullReplanSeconds)),
            ("speedup", String(format: "%.1fx", r.fullReplanSeconds / r.replanOneFileSeconds)),
            ("peak RSS MiB", String(format: "%.0f", r.peakResidentMiB)),
        ]
        return table(columns, header: header)
    }
}

/// `continuum-bench plan-output`.
struct PlanOutputBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan-output",
        abstract: "The continuum binary's plan as text, --out (saved plan), --format json and --pretty: wall time, peak RSS, sizes, in one run.",
        discussion: "Runs the continuum binary next to this one: build it too (swift build -c release --product continuum)."
    )

    @Option(help: "Fleet size (resources).")
    var resources = 100_000

    @Option(help: "virt8ra (issue 16's fleet: 12 providers, 11 resources a site in one file) or sites (the plan benchmark's fleet).")
    var shape = "virt8ra"

    @Option(help: "The continuum binary (default: next to this one).")
    var continuum: String?

    @Option(help: "Runs of every mode, in turn; the fastest of each is shown.")
    var repeats = 2

    @Option(help: "table or json.")
    var format: Format = .table

    func run() async throws {
        let binary = continuum ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("continuum").path
        let r = try await PlanOutputBenchmark(requestedResources: resources, shape: shape, continuum: binary, repeats: repeats).run()
        if format == .json { return try printJSON(r) }
        print("\(r.shape) fleet: \(r.resources) resources in \(r.files) files; empty state, --refresh false")
        for (index, run) in r.runs.enumerated() {
            print(table([
                ("mode", run.mode.padding(toLength: 24, withPad: " ", startingAt: 0)), ("wall s", String(format: "%.2f", run.seconds)),
                ("/ text", String(format: "%.2fx", run.ratioToText)), ("peak RSS MiB", String(format: "%.0f", run.peakResidentMiB)),
                ("stdout MB", String(format: "%.1f", Double(run.stdoutBytes) / 1e6)), ("saved plan MB", run.savedBytes.map { String(format: "%.1f", Double($0) / 1e6) } ?? "-"),
            ], header: index == 0))
        }
        print(String(format: "\nsaved plan read back (SavedPlanReader, in this process): %.2f s", r.readBackSeconds))
        print("Each mode runs the continuum binary \(repeats) times in turn with the others, standard output to a file; the fastest run is shown,")
        print("and the highest peak RSS of the child (wait4).")
    }
}

/// `continuum-bench apply`.
struct ApplyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply makespan with critical-path scheduling, next to FIFO with the same limits and to a lower bound."
    )

    @Option(help: "Fleet sizes to measure (resources); repeat the option for several.")
    var resources: [Int] = [1_000, 10_000]

    @Option(help: "Each sim call sleeps a seeded random time in this range (VMs and networks).")
    var latency = "500ms..2000ms"

    @Option(help: "The range of bare-metal operations (provisioning is slower than a VM).")
    var metalLatency = "2s..4s"

    @Option(help: "The range of Kubernetes cluster operations.")
    var clusterLatency = "4s..6s"

    @Option(help: "Global parallelism of both schedulers; high enough by default that the per-site limits bind.")
    var parallelism = 2048

    @Option(help: "Each site provider's limits.concurrency.")
    var concurrency = 10

    @Option(help: "table or json.")
    var format: Format = .table

    func run() async throws {
        var results: [ApplyBenchmark.Result] = []
        for size in resources.sorted() {
            let result = try await ApplyBenchmark(
                requestedResources: size, latency: latency, kindLatency: [.bareMetalNode: metalLatency, .kubernetesCluster: clusterLatency],
                parallelism: parallelism, concurrency: concurrency).run()
            results.append(result)
            if format == .table {
                func s(_ value: Double) -> String { String(format: "%.2f", value) }
                print(table([
                    ("resources", "\(result.resources)"), ("steps", "\(result.steps)"), ("parallelism", "\(result.parallelism)"),
                    ("lower bound s", s(result.lowerBoundSeconds)), ("critical-path s", s(result.criticalPathMakespanSeconds)),
                    ("cp/bound", String(format: "%.3fx", result.criticalPathRatio)), ("fifo s", s(result.fifoMakespanSeconds)),
                    ("fifo/bound", String(format: "%.3fx", result.fifoRatio)), ("fifo/cp", String(format: "%.2fx", result.speedup)),
                ], header: results.count == 1))
            }
        }
        if format == .json {
            try printJSON(results)
        } else {
            print("\nlower bound = max(critical path of measured durations, busiest provider's work / its concurrency, all work / parallelism).")
            print("Both schedulers run the same plan with the same seeded latencies and limits, one after the other; the state store is in memory.")
            print("critical-path = longest remaining path first (Continuum's default); fifo = first ready, first started (a Terraform-style walk).")
        }
    }
}

/// `continuum-bench controller`.
struct ControllerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "The controller's Git source, load, first and no-change reconciles, next to git and libyaml."
    )

    @Option(help: "Fleet sizes to measure (resources); repeat the option for several.")
    var resources: [Int] = [1_000, 10_000]

    @Option(help: "Steady no-change reconciles to average.")
    var repeats = 3

    @Option(help: "table or json.")
    var format: Format = .table

    func run() async throws {
        var results: [ControllerBenchmark.Result] = []
        for size in resources.sorted() {
            let r = try await ControllerBenchmark(requestedResources: size, steadyRepeats: repeats).run()
            results.append(r)
            if format == .table {
                func s(_ value: Double) -> String { String(format: "%.3f", value) }
                print(table([
                    ("resources", "\(r.resources)"), ("files", "\(r.files)"), ("git clone s", s(r.gitCloneSeconds)), ("source clone s", s(r.sourceCloneSeconds)),
                    ("git fetch s", s(r.gitFetchSeconds)), ("source fetch s", s(r.sourceFetchSeconds)), ("libyaml s", s(r.libyamlParseSeconds)),
                    ("load+valid s", s(r.loadValidateSeconds)), ("first reconcile s", s(r.firstReconcileSeconds)),
                    ("no-change s", s(r.noChangeReconcileSeconds)), ("CPU s", s(r.noChangeReconcileCPUSeconds)),
                    ("steady no-change s", s(r.steadyNoChangeReconcileSeconds)), ("steady CPU s", s(r.steadyNoChangeReconcileCPUSeconds)),
                    ("read every object s", s(r.readEveryObjectSeconds)), ("read CPU s", s(r.readEveryObjectCPUSeconds)),
                ], header: results.count == 1))
                print(table([
                    ("resources", "\(r.resources)"), ("1-file commit: fetched s", s(r.commitFetchedSeconds)), ("planned s", s(r.commitPlannedSeconds)),
                    ("first provider call s", s(r.commitFirstCallSeconds)), ("reconciled s", s(r.commitReconcileSeconds)),
                    ("files read", "\(r.commitReadFiles)"), ("parsed", "\(r.commitParsedFiles)"), ("validated", r.commitRevalidated.map { "\($0) alone" } ?? "all"), ("drift check s", s(r.driftCheckPlannedSeconds)),
                    ("steady RSS MiB", String(format: "%.0f", r.steadyResidentMiB)), ("peak RSS MiB", String(format: "%.0f", r.peakResidentMiB)),
                ], header: true))
                print("1-file commit, from the trigger: " + r.commitPhases.sorted { $0.value < $1.value }.map { "\($0.key) \(s($0.value)) s" }.joined(separator: ", "))
            }
        }
        if format == .json {
            try printJSON(results)
        } else {
            print("\ngit clone/fetch = the git command (bare clone; fetch with nothing new); source clone = libgit2 clone + checkout of the commit.")
            print("first reconcile = fetch + load + refresh + plan + apply of every create (sim latency 0, SQLite state).")
            print("no-change = a drift check asked for right after it: fetch, refresh (one revision listing per provider), plan; it decodes the state the apply wrote and plans in full.")
            print("steady no-change = the mean of the next --repeats such drift checks: the state has not moved, so its snapshot and the last plan's memo are reused. CPU = user + system of the process.")
            print("read every object = the baseline: one read per recorded object, 64 at a time, as a refresh without revision listings.")
            print("1-file commit = one VM's cpu edited and committed, then the trigger a webhook sends (Controller.trigger, what the receiver calls once")
            print("  the signature checks): seconds from the trigger to the fetch and checkout done ('new commit' logged), to the plan done ('applying'),")
            print("  to the first provider call ('update started'), and to the reconcile published; files read / parsed by its load;")
            print("  validated = how many resources its load re-validated alone (the edited ones), or all (a full validation).")
            print("  drift check = the baseline: a no-change drift check of the commit before it (fetch, refresh, plan from the memo), whole.")
            print("steady RSS = this process's resident set (VmRSS) after the steady no-change reconciles: the controller and the benchmark's leftovers;")
            print("  peak RSS = its high-water mark (VmHWM) over the whole run.")
        }
    }
}

/// `continuum-bench store`.
struct StoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Per-operation cost of the state stores: SQLite and PostgreSQL (a throwaway local cluster) in the same run, in-memory as the floor.",
        discussion: "Needs Debian's postgresql package (scripts/bootstrap.sh installs it); run as root it starts the cluster as the postgres user."
    )

    @Option(help: "How many times each small operation runs.")
    var operations: Int = 500

    @Option(help: "How many records the state holds for the batch commit and snapshot figures.")
    var resources: Int = 10_000

    @Flag(inversion: .prefixedNo, help: "Whether PostgreSQL flushes every commit to disk (its default).")
    var fsync = true

    @Option(help: "table or json.")
    var format: Format = .table

    func run() async throws {
        let results = try await StoreBenchmark(operations: operations, resources: resources, fsync: fsync).run()
        if format == .json {
            try printJSON(results)
            return
        }
        func ms(_ value: Double) -> String { String(format: "%.3f", value) }
        for (index, r) in results.enumerated() {
            print(table([
                ("store", r.store.padding(toLength: 10, withPad: " ", startingAt: 0)), ("commit ms", ms(r.commitMilliseconds)), ("journalled op ms", ms(r.journalledOperationMilliseconds)), ("renew ms", ms(r.renewMilliseconds)),
                ("commit \(resources) ms", ms(r.batchCommitMilliseconds)), ("snapshot \(resources) ms", ms(r.snapshotMilliseconds)),
                ("unchanged snapshot ms", ms(r.unchangedSnapshotMilliseconds)),
            ], header: index == 0))
        }
        print("\ncommit = one record in one transaction; journalled op = recordIntent + completeIntent with its record (what every provider operation pays);")
        print("renew = a lease renewal; snapshot = reading every record after one moved (decoded); unchanged = the kept snapshot re-checked.")
        print("Every write is under a lease (the fencing check included). PostgreSQL: local, over TCP on loopback, fsync \(fsync ? "on" : "off"); SQLite: WAL (GRDB defaults); a remote server adds its round trips.")
    }
}

/// `continuum-bench executor`.
struct ExecutorBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "executor",
        abstract: "The executor's own ceiling: creates by providers that take no time, journal per operation vs group commit, in the same run.",
        discussion: "PostgreSQL needs Debian's postgresql package (scripts/bootstrap.sh installs it)."
    )

    @Option(help: "Resources to create (12 sites: a network each, the rest VMs).")
    var resources = 10_000

    @Option(help: "Operations in flight at most (--parallelism).")
    var parallelism = 256

    @Option(help: "Providers: instant (in memory, answers at once), sim (the embedded cloud at zero latency); repeat for several.")
    var provider: [String] = ["instant", "sim"]

    @Option(help: "State stores: sqlite, postgresql, memory; repeat for several.")
    var store: [String] = ["sqlite", "postgresql"]

    @Flag(inversion: .prefixedNo, help: "Whether PostgreSQL flushes every commit to disk (its default; SQLite always does).")
    var fsync = true

    @Option(help: "table or json.")
    var format: Format = .table

    func run() async throws {
        var results: [ExecutorBenchmark.Result] = []
        try await ExecutorBenchmark(resources: resources, parallelism: parallelism, providers: provider, stores: store, fsync: fsync).run { result in
            results.append(result)
            guard format == .table else { return }
            print(table([
                ("provider", result.provider.padded(8)), ("store", result.store.padded(10)), ("journal", result.journal.padded(13)),
                ("operations", "\(result.operations)"), ("wall s", String(format: "%.2f", result.wallSeconds)),
                ("ops/s", String(format: "%.0f", result.operationsPerSecond)), ("CPU s", String(format: "%.2f", result.cpuSeconds)),
                ("CPU µs/op", String(format: "%.0f", result.cpuMicrosecondsPerOperation)),
            ], header: results.count == 1))
        }
        if format == .json { try printJSON(results) } else {
            print("\nThe executor alone (planned before the clock starts), --parallelism \(parallelism), 12 providers; CPU is the process's user + system time.")
            print("per operation = a transaction for each intent and each completion (the baseline); group commit = operations in flight share transactions.")
        }
    }
}

/// `continuum-bench shards`.
struct ShardsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shards",
        abstract: "Replicas on one PostgreSQL: apply by 1 replica vs 3 sharing it in shards, takeover after kill -9 vs the lease, no-change reconcile on PostgreSQL vs SQLite.",
        discussion: "Needs Debian's postgresql package; the takeover part starts `continuum controller` processes from beside this executable (build both)."
    )

    @Option(help: "Resources of the applied fleet.") var applyResources = 10_000
    @Option(help: "Sim latency of every call of the applied fleet.") var latency = "100ms..200ms"
    @Option(help: "Operations in flight per replica.") var parallelism = 32
    @Option(help: "Lease durations for the takeover, in seconds; repeat for several.") var lease: [Int] = [2, 5, 10]
    @Option(help: "Resources of the no-change reconcile.") var noChangeResources = 100_000
    @Option(help: "Parts to run: apply, takeover, no-change; repeat for several.") var part: [String] = ["apply", "takeover", "no-change"]
    @Flag(inversion: .prefixedNo, help: "Whether PostgreSQL flushes every commit to disk (its default).") var fsync = true
    @Option(help: "table or json.") var format: Format = .table

    func run() async throws {
        let benchmark = ScaleOutBenchmark(
            applyResources: applyResources, applyLatency: latency, parallelism: parallelism, leases: lease, fsync: fsync, noChangeResources: noChangeResources, parts: Set(part))
        let r = try await benchmark.run { note in if format == .table { print("(\(note))") } }
        if format == .json { return try printJSON(r) }
        func s(_ value: Double) -> String { String(format: "%.2f", value) }
        for (index, a) in r.apply.enumerated() {
            print(table([
                ("replicas", "\(a.replicas)"), ("mode", a.sharded ? "shards" : "state lease"), ("resources", "\(a.resources)"), ("apply s", s(a.seconds)),
                ("CPU s", s(a.cpuSeconds)), ("vs 1 replica", String(format: "%.2fx", (r.apply.first?.seconds ?? a.seconds) / a.seconds)),
            ], header: index == 0))
        }
        if !r.apply.isEmpty {
            print("apply = from the controllers' start (clone, load, plan) until every replica reports the commit applied; sim latency \(latency) per call,")
            print("  --parallelism \(parallelism) per replica, PostgreSQL local with fsync \(fsync ? "on" : "off"); all replicas in this one process (2 cores: the gain is overlapped provider waits).\n")
        }
        for (index, t) in r.takeover.enumerated() {
            print(table([("lease s", s(t.leaseSeconds)), ("renew s", s(t.renewSeconds)), ("takeover s", s(t.takeoverSeconds)),
                ("takeover / lease", String(format: "%.2fx", t.takeoverSeconds / t.leaseSeconds))], header: index == 0))
        }
        if !r.takeover.isEmpty { print("takeover = from kill -9 of a replica (a process) to each of its shards held by another replica.\n") }
        for (index, n) in r.noChange.enumerated() {
            print(table([("store", n.store.padding(toLength: 10, withPad: " ", startingAt: 0)), ("resources", "\(n.resources)"), ("first no-change s", s(n.firstSeconds)), ("after own write s", s(n.afterOwnWriteSeconds)),
                ("steady no-change s", s(n.steadySeconds)), ("steady CPU s", s(n.steadyCPUSeconds))], header: index == 0))
        }
        if !r.noChange.isEmpty {
            print("first no-change = the first reconcile after another connection wrote the state (decoded in full); after own write = the first after")
            print("  the controller's store wrote it itself, as after an apply (its writes merged into its snapshot); steady = the mean of the next ones")
            print("  (fetch, refresh by revision listings, plan from the memo). PostgreSQL holds a copy of the SQLite state, written in one transaction.")
        }
    }
}

/// Right-aligned columns, with a header line when asked.
func table(_ columns: [(String, String)], header: Bool) -> String {
    let widths = columns.map { max($0.0.count, $0.1.count) }
    let line = zip(columns, widths).map { $0.1.padded($1) }.joined(separator: "  ")
    guard header else { return line }
    return zip(columns, widths).map { $0.0.padded($1) }.joined(separator: "  ") + "\n" + line
}

extension String {
    func padded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

/// `continuum-bench redfish`.
struct RedfishBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redfish",
        abstract: "Provision bare-metal nodes through Redfish on sushy-emulator: API calls and wall time, next to a bare power-on.",
        discussion: "Needs the test venv with sushy-tools: source scripts/python-env.sh first."
    )

    @Option(help: "Nodes to provision, one at a time.")
    var nodes: Int = 5

    @Option(help: "table or json.")
    var format: Format = .table

    func run() async throws {
        let result = try await RedfishBenchmark(nodes: nodes, pollInterval: .milliseconds(500)).run()
        if format == .json {
            try printJSON(result)
            return
        }
        func s(_ value: Double) -> String { String(format: "%.2f", value) }
        for (index, node) in result.nodes.enumerated() {
            print(table([
                ("node", "\(index)"), ("provision s", s(node.provisionSeconds)), ("API calls", "\(node.apiCalls)"), ("of which power polls", "\(node.powerPolls)"),
                ("bare power-on s", s(node.floorSeconds)), ("bare power-on calls", "\(node.floorCalls)"),
            ], header: index == 0))
        }
        print(table([
            ("node", "mean"), ("provision s", s(result.meanProvisionSeconds)), ("API calls", String(format: "%.1f", result.meanApiCalls)),
            ("of which power polls", String(format: "%.1f", result.meanPowerPolls)), ("bare power-on s", s(result.meanFloorSeconds)), ("bare power-on calls", ""),
        ], header: false))
        print("\nprovision = eject, insert the image, boot override Cd once, power on, wait until On (poll 500ms), read back;")
        print("bare power-on = a Reset On of another system polled at the same interval (the emulator's 1-11 s power delay: the floor).")
    }
}

/// `continuum-bench opennebula`.
struct OpenNebulaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opennebula",
        abstract: "A quiet refresh of N VMs on the OpenNebula stand-in: one pool listing, next to reading each VM.",
        discussion: "The stand-in is scripts/opennebula_standin.py (Python), not a real front-end: the figures count calls and show their cost through it."
    )

    @Option(help: "VMs on the front-end.")
    var machines: Int = 500

    @Option(help: "table or json.")
    var format: Format = .table

    func run() async throws {
        let result = try await OpenNebulaBenchmark(machines: machines).run()
        if format == .json {
            try printJSON(result)
            return
        }
        func ms(_ value: Double) -> String { String(format: "%.1f", value * 1000) }
        print(table([
            ("VMs", "\(result.machines)"), ("listing ms", ms(result.listingSeconds)), ("listing calls", "\(result.listingCalls)"),
            ("read-each ms (baseline)", ms(result.perObjectSeconds)), ("read-each calls", "\(result.perObjectCalls)"), ("create ms (mean)", ms(result.createSecondsMean)),
        ], header: true))
        print("\nlisting = the provider's revisions(): one one.vmpool.infoextended and one one.vnpool.info for every VM and network;")
        print("read-each = one one.vm.info per VM, what a refresh without revisions does (the baseline, same stand-in, same run).")
    }
}

/// `continuum-bench libvirt`.
struct LibvirtBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "libvirt",
        abstract: "Provision VMs through libvirt (libvirtd's test driver over loopback TCP): calls and wall time, next to the bare calls."
    )

    @Option(help: "VMs to provision, one at a time.")
    var machines: Int = 20

    @Option(help: "table or json.")
    var format: Format = .table

    func run() async throws {
        let result = try await LibvirtBenchmark(machines: machines).run()
        if format == .json {
            try printJSON(result)
            return
        }
        func ms(_ value: Double) -> String { String(format: "%.1f", value * 1000) }
        print(table([
            ("VMs", "\(result.machines.count)"), ("provision ms (mean)", ms(result.meanProvisionSeconds)), ("libvirt calls (mean)", String(format: "%.1f", result.meanApiCalls)),
            ("bare define+start ms (mean)", ms(result.meanFloorSeconds)), ("bare calls", "\(result.machines.first?.floorCalls ?? 0)"),
        ], header: true))
        print("\nprovision = the provider's create: lookups, base image, root and data volumes, cloud-init seed ISO, define with metadata, start, read back;")
        print("bare = create the two volumes, define and start the same VM with raw libvirt calls, no checks and no read-back.")
    }
}
