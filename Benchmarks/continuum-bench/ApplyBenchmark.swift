import ContinuumApply
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
        let repository = await SpecLoader().load(root.appendingPathComponent("spec"))
        let graph = GraphBuilder().build(repository.resources).graph
        let plan = try Planner().plan(resources: repository.resources, graph: graph, state: .empty)

        let critical = try await applyOnce(plan, repository.resources, policy: .criticalPath, directory: root.appendingPathComponent("cp"))
        let fifo = try await applyOnce(plan, repository.resources, policy: .fifo, directory: root.appendingPathComponent("fifo"))

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

    private func applyOnce(_ plan: Plan, _ resources: [Resource], policy: SchedulingPolicy, directory: URL) async throws -> ApplyReport {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let world = SimWorld(path: directory.appendingPathComponent("sim.db").path)
        var entries: [String: ProviderRegistry.Entry] = [:]
        for resource in resources {
            guard case .provider(let spec) = resource.spec else { continue }
            let config = try SimConfig.parse(spec.config).get()
            entries[resource.id.name] = .init(provider: SimProvider(name: resource.id.name, config: config, world: world), concurrency: spec.limits.concurrency)
        }
        let result = try await Executor(options: ApplyOptions(parallelism: parallelism, policy: policy))
            .apply(plan, resources: resources, store: InMemoryStateStore(), registry: ProviderRegistry(entries))
        guard result.succeeded else { throw BenchmarkError(message: "the \(policy) apply failed: \(result.summaryLine)") }
        return result.report
    }
}
