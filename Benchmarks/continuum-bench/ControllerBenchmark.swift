import ContinuumApply
import ContinuumController
import ContinuumEngine
import ContinuumGit
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Logging
import Metrics

/// One controller on a generated fleet in a local Git repository (sim latency 0): the
/// libgit2 source's clone and no-change fetch next to the `git` command's, loading next to
/// libyaml's parse, the first reconcile (every create) and a drift check asked for at once
/// with nothing to change (fetch, refresh of every resource, plan), all in one run.
struct ControllerBenchmark {
    /// What one fleet size measured, in seconds.
    struct Result: Codable {
        var resources: Int
        var files: Int
        var gitCloneSeconds: Double
        var sourceCloneSeconds: Double
        var gitFetchSeconds: Double
        var sourceFetchSeconds: Double
        var libyamlParseSeconds: Double
        var loadValidateSeconds: Double
        var firstReconcileSeconds: Double
        /// The first no-change reconcile after the apply: it decodes the state the apply wrote and plans in full.
        var noChangeReconcileSeconds: Double
        var noChangeReconcileCPUSeconds: Double
        /// The next one: the state is unchanged since the last plan, which is reused.
        var steadyNoChangeReconcileSeconds: Double
        var steadyNoChangeReconcileCPUSeconds: Double
        /// The baseline: reading every recorded object once, as a refresh without revisions does.
        var readEveryObjectSeconds: Double
        var readEveryObjectCPUSeconds: Double
        /// A one-file commit (one VM's cpu), from the trigger a webhook sends: when the fetch
        /// and checkout were done, when the plan was (the "applying" line), when the first
        /// provider call started, and the whole reconcile.
        var commitFetchedSeconds: Double
        /// From the trigger until the commit was loaded, recovered, refreshed and planned.
        var commitPhases: [String: Double] = [:]
        var commitPlannedSeconds: Double
        var commitFirstCallSeconds: Double
        var commitReconcileSeconds: Double
        /// Files the commit's load read and parsed (a Git tree diff names the changed ones).
        var commitReadFiles: Int
        var commitParsedFiles: Int
        /// How many resources the load re-validated alone; nil when it validated everything.
        var commitRevalidated: Int?
        /// The baseline: a drift check of the same commit just before it (nothing to load).
        var driftCheckPlannedSeconds: Double
        /// The process's resident set after the steady no-change reconciles (VmRSS), and
        /// its peak (VmHWM) after everything.
        var steadyResidentMiB: Double
        var peakResidentMiB: Double
    }

    /// The reconcile's phases it logs at debug level, timed for the one-file commit.
    static let commitPhases = ["commit loaded", "recovered", "refreshed", "planned", "providers recorded", "update succeeded", "state read"]

    let requestedResources: Int
    /// How many steady no-change reconciles to average.
    var steadyRepeats = 3

    func run() async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url, name: "fleet")
        let generator = FleetGenerator(resources: requestedResources, latency: "0ms")
        let files = try generator.write(to: repository.directory.appendingPathComponent("specs"))
        try repository.commit([:], message: "fleet")
        let clock = ContinuousClock()

        let gitClone = try clock.measure {
            _ = try GitFixture.run(["git", "clone", "--quiet", "--bare", repository.url, directory.url.appendingPathComponent("cli.git").path], in: directory.url)
        }
        let gitFetch = try clock.measure {
            _ = try GitFixture.run(["git", "-C", directory.url.appendingPathComponent("cli.git").path, "fetch", "--quiet", "origin"], in: directory.url)
        }
        let source = GitSource(options: GitSourceOptions(url: repository.url, path: "specs", cacheDirectory: directory.url.appendingPathComponent("source")))
        var revision: GitRevision?
        let sourceClone = try await clock.measure { revision = try await source.fetch() }
        let sourceFetch = try await clock.measure { _ = try await source.fetch() }
        let specs = revision.map(\.directory) ?? directory.url
        let parse = try clock.measure { try PlanBenchmark.parseWithLibyaml(specs) }
        let catalog = ProviderCatalog.standard(
            simWorld: SimWorld(path: directory.url.appendingPathComponent("sim.db").path), secretsDirectory: directory.url.appendingPathComponent("secrets"))
        let load = try await clock.measure { _ = try await ValidatedSpecs.load(specs, catalog: catalog) }

        let timeline = TimelineLogHandler.Timeline(watching: Set(["new commit", "applying", "update started", "reconciled"] + Self.commitPhases))
        let logger = Logger(label: "bench") { _ in TimelineLogHandler(timeline: timeline) }
        let controller = Controller(
            configuration: ControllerConfiguration(
                source: GitSourceOptions(url: repository.url, path: "specs", cacheDirectory: directory.url.appendingPathComponent("controller")),
                statePath: directory.url.appendingPathComponent("state.db").path,
                interval: .seconds(3600), driftInterval: .seconds(3600)),
            catalog: catalog, metrics: ControllerMetrics(factory: NOOPMetricsHandler.instance), logger: logger)
        let running = Task { try await controller.run() }
        defer { running.cancel() }
        let first = try await Self.reconcile(controller, after: nil)
        let (again, againCPU) = try await Self.noChangeReconcile(controller, after: first.time)
        var (steady, steadyCPU) = try await Self.noChangeReconcile(controller, after: again.time)
        var steadySeconds = steady.durationSeconds
        for _ in 1..<max(1, steadyRepeats) {
            let (next, cpu) = try await Self.noChangeReconcile(controller, after: steady.time)
            steady = next
            steadySeconds += next.durationSeconds
            steadyCPU += cpu
        }
        steadySeconds /= Double(max(1, steadyRepeats))
        steadyCPU /= Double(max(1, steadyRepeats))
        let steadyResident = Self.residentMiB("VmRSS")
        let (readAll, readAllCPU) = try await Self.readEveryObject(controller.store, catalog)

        // The baseline of the commit below: a drift check of the same commit, planned from the memo.
        await controller.checkDriftNow()
        steady = try await Self.reconcile(controller, after: steady.time)
        let driftPlanned = steady.durationSeconds
        // A one-file commit, announced as a webhook announces it: a trigger.
        // A VM's file (the first file in path order is a cluster's).
        let edited = try PlanBenchmark.editOneFile(under: repository.directory.appendingPathComponent("specs"), suffix: "/vms.yaml")
        try repository.commit([:], message: "edit \(edited)")
        let mark = timeline.mark(level: .debug)
        _ = await controller.trigger()
        let committed = try await Self.reconcile(controller, after: steady.time)
        timeline.stop()
        let total = (ContinuousClock.now - mark) / .seconds(1)
        guard committed.plan?.change == 1, committed.result == .applied else { throw BenchmarkError(message: "the one-file commit did not apply one change: \(committed)") }
        let cache = await controller.lastSpecLoad
        return Result(
            resources: generator.resourceCount, files: files, gitCloneSeconds: gitClone.timeInterval, sourceCloneSeconds: sourceClone.timeInterval,
            gitFetchSeconds: gitFetch.timeInterval, sourceFetchSeconds: sourceFetch.timeInterval, libyamlParseSeconds: parse.timeInterval,
            loadValidateSeconds: load.timeInterval, firstReconcileSeconds: first.durationSeconds, noChangeReconcileSeconds: again.durationSeconds,
            noChangeReconcileCPUSeconds: againCPU, steadyNoChangeReconcileSeconds: steadySeconds, steadyNoChangeReconcileCPUSeconds: steadyCPU,
            readEveryObjectSeconds: readAll.timeInterval, readEveryObjectCPUSeconds: readAllCPU,
            commitFetchedSeconds: timeline.seconds("new commit") ?? .nan,
            commitPhases: Dictionary(uniqueKeysWithValues: Self.commitPhases.compactMap { name in timeline.seconds(name).map { (name, $0) } }),
            commitPlannedSeconds: timeline.seconds("applying") ?? .nan,
            commitFirstCallSeconds: timeline.seconds("update started") ?? .nan, commitReconcileSeconds: total,
            commitReadFiles: cache.readFiles, commitParsedFiles: cache.parsedFiles, commitRevalidated: await controller.lastRevalidatedCount,
            driftCheckPlannedSeconds: driftPlanned,
            steadyResidentMiB: steadyResident, peakResidentMiB: Self.residentMiB("VmHWM"))
    }

    /// A line of /proc/self/status (VmRSS, VmHWM), in MiB.
    static func residentMiB(_ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }

    /// Asks for a drift check, waits for its reconcile, checks that it changed nothing, and returns it with
    /// the process's CPU time (user + system) while it ran.
    private static func noChangeReconcile(_ controller: Controller, after previous: Date) async throws -> (ControllerStatus.Reconcile, Double) {
        let cpu = CPUTime.now()
        // A trigger only fetches; a drift check asked for through the package API reconciles in full.
        await controller.checkDriftNow()
        let reconcile = try await Self.reconcile(controller, after: previous)
        let used = CPUTime.now() - cpu
        guard reconcile.plan?.add == 0, reconcile.plan?.change == 0, reconcile.result == .noChanges else {
            throw BenchmarkError(message: "a reconcile was not a no-change one: \(reconcile)")
        }
        return (reconcile, used)
    }

    /// A refresh through the same providers with their revision listings hidden, 64 reads
    /// at a time: every recorded object is read once, as before providers listed revisions.
    private static func readEveryObject(_ store: any StateStore, _ catalog: ProviderCatalog) async throws -> (Duration, Double) {
        var registry = catalog.registry(resources: [], state: try await store.snapshot())
        for (name, entry) in registry.entries { registry.entries[name]?.provider = UnlistedProvider(entry.provider) }
        let refresher = Refresher(store: store, registry: registry, options: ApplyOptions(parallelism: 64))
        let cpu = CPUTime.now()
        var read = 0
        let elapsed = try await ContinuousClock().measure { read = try await refresher.refresh(persist: false).objectsRead }
        guard read > 0 else { throw BenchmarkError(message: "the baseline refresh read no object") }
        return (elapsed, CPUTime.now() - cpu)
    }

    /// Waits for a reconcile that started after `previous` and returns it.
    private static func reconcile(_ controller: Controller, after previous: Date?) async throws -> ControllerStatus.Reconcile {
        let deadline = ContinuousClock.now + .seconds(1800)
        while ContinuousClock.now < deadline {
            if let last = await controller.currentStatus().lastReconcile, previous.map({ last.time > $0 }) ?? true { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchmarkError(message: "no reconcile within 30 minutes: \(await controller.currentStatus().message)")
    }
}
