import ContinuumApply
import ContinuumEngine
import ContinuumGraph
import ContinuumPlanner
import ContinuumProvider
import ContinuumSim
import ContinuumSpec
import ContinuumState
import Foundation

/// Applies a generated fleet on sim providers with seeded latencies twice, with
/// critical-path and with FIFO scheduling under the same limits, and compares both
/// makespans with a lower bound computed from the durations measured in the run.
struct ApplyBenchmark {
    /// The figures of one fleet size.
    struct Result: Codable {
        var resources: Int
        var steps: Int
        var parallelism: Int
        var criticalPathBoundSeconds: Double
        var providerBoundSeconds: Double
        var parallelismBoundSeconds: Double
        var criticalPathMakespanSeconds: Double
        var fifoMakespanSeconds: Double

        var lowerBoundSeconds: Double { max(criticalPathBoundSeconds, providerBoundSeconds, parallelismBoundSeconds) }
        var criticalPathRatio: Double { criticalPathMakespanSeconds / lowerBoundSeconds }
        var fifoRatio: Double { fifoMakespanSeconds / lowerBoundSeconds }
        var speedup: Double { fifoMakespanSeconds / criticalPathMakespanSeconds }
    }

    let requestedResources: Int
    let latency: String
    let kindLatency: [ResourceKind: String]
    let parallelism: Int
    let concurrency: Int

    func run() async throws -> Result {
        let generator = FleetGenerator(resources: requestedResources, latency: latency, kindLatency: kindLatency, concurrency: concurrency)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try generator.write(to: root.appendingPathComponent("spec"))
        let catalog = ProviderCatalog.standard(simWorld: SimWorld(path: root.appendingPathComponent("unused.db").path), secretsDirectory: root)
        let specs = try await ValidatedSpecs.load(root.appendingPathComponent("spec"), catalog: catalog)
        let repository = specs.repository
        let plan = try Planner().plan(resources: specs.resources, graph: specs.graph, state: .empty)

        let critical = try await applyOnce(specs, policy: .criticalPath, directory: root.appendingPathComponent("cp"))
        let fifo = try await applyOnce(specs, policy: .fifo, directory: root.appendingPathComponent("fifo"))
        guard critical.actions.count == plan.steps.count else { throw BenchmarkError(message: "the apply ran another plan than the one measured") }

        // Lower bounds from the critical-path run's measured durations.
        let durations = critical.actions.map { ($0.end ?? 0) - ($0.start ?? 0) }
        var finish = [Double](repeating: 0, count: plan.steps.count)
        for step in plan.steps { finish[step.index] = durations[step.index] + (step.dependsOn.map { finish[$0] }.max() ?? 0) }
        var work: [String: Double] = [:]
        for action in critical.actions { work[action.provider, default: 0] += durations[action.id] }
        return Result(
            resources: repository.resources.count, steps: plan.steps.count, parallelism: parallelism,
            criticalPathBoundSeconds: finish.max() ?? 0, providerBoundSeconds: (work.values.max() ?? 0) / Double(concurrency),
            parallelismBoundSeconds: durations.reduce(0, +) / Double(parallelism),
            criticalPathMakespanSeconds: critical.makespan, fifoMakespanSeconds: fifo.makespan)
    }

    /// One apply from scratch through the engine, as `continuum apply` runs it, on a fresh
    /// sim world and an in-memory state.
    private func applyOnce(_ specs: ValidatedSpecs, policy: SchedulingPolicy, directory: URL) async throws -> ApplyReport {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let catalog = ProviderCatalog.standard(simWorld: SimWorld(path: directory.appendingPathComponent("sim.db").path), secretsDirectory: directory)
        let reconciler = Reconciler(
            store: InMemoryStateStore(), catalog: catalog, options: ReconcileOptions(apply: ApplyOptions(parallelism: parallelism, policy: policy)))
        guard case .applied(_, let result?) = await reconciler.reconcile(specs, source: "bench"), result.succeeded else {
            throw BenchmarkError(message: "the \(policy) apply failed")
        }
        return result.report
    }
}
