import ContinuumGraph
import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Yams

/// Load + validate + graph + plan of a generated fleet, next to the time libyaml alone
/// takes to parse the same files (the floor for any YAML-based planner), in one run.
struct PlanBenchmark {
    /// The figures of one fleet size.
    struct Result: Codable {
        var resources: Int
        var files: Int
        var edges: Int
        var libyamlParseSeconds: Double
        var loadValidateSeconds: Double
        var graphSeconds: Double
        var planCreateSeconds: Double
        var planNoChangeSeconds: Double
        /// Load + validate again after a one-line change in one file, reusing the first
        /// load's cache (only that file is parsed).
        var reloadOneFileSeconds: Double
        /// How many files that reload parsed.
        var reloadReadFiles: Int
        var reloadParsedFiles: Int
        /// That reload, then `Planner.replan` from the no-change plan's memo.
        var replanOneFileSeconds: Double
        /// How many resources the re-plan diffed again.
        var replanRediffed: Int
        /// A full re-plan of the edited tree: load + validate + graph + plan, no cache.
        var fullReplanSeconds: Double
        var peakResidentMiB: Double

        /// Load + validate + graph + plan (creates), the end-to-end figure.
        var totalSeconds: Double { loadValidateSeconds + graphSeconds + planCreateSeconds }
        var ratioToParse: Double { totalSeconds / libyamlParseSeconds }
    }

    let requestedResources: Int

    func run() async throws -> Result {
        let generator = FleetGenerator(resources: requestedResources)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try generator.write(to: root)
        let clock = ContinuousClock()

        let parse = try clock.measure { try Self.parseWithLibyaml(root) }
        var repository = SpecRepository(resources: [], fileCount: 0, diagnostics: [])
        var cache = SpecLoadCache()
        let load = await clock.measure { (repository, cache) = await SpecLoader().load(root, reusing: SpecLoadCache()) }
        guard repository.diagnostics.isEmpty else { throw BenchmarkError(message: "generated fleet is invalid: \(repository.diagnostics.prefix(3))") }
        var built: (graph: ResourceGraph, diagnostics: [Diagnostic])?
        let graphTime = clock.measure { built = GraphBuilder().build(repository.resources, rejected: repository.rejected) }
        guard let graph = built?.graph, built?.diagnostics.isEmpty == true else { throw BenchmarkError(message: "generated graph is invalid") }
        var plan: Plan?
        let planTime = try clock.measure { plan = try Planner().plan(resources: repository.resources, graph: graph, state: .empty) }
        guard plan?.summary.add == repository.resources.count - generator.sites else { throw BenchmarkError(message: "unexpected plan \(plan?.summary.line ?? "")") }
        let state = SimulatedApply.record(repository.resources, graph: graph)
        var noChange: Plan?
        var memo: PlanningMemo?
        let noChangeTime = try clock.measure { (noChange, memo) = try Planner().planWithMemo(resources: repository.resources, graph: graph, state: state) }
        guard noChange?.hasChanges == false else { throw BenchmarkError(message: "a matching state planned changes: \(noChange?.summary.line ?? "")") }
        // Peak memory of load + validate + plan, before the re-plan keeps a second tree.
        let peak = Self.peakResidentMiB()

        // A one-line change in one file: its first `cpu: N` becomes `cpu: N+1`.
        let edited = try Self.editOneFile(under: root)
        var reloaded = SpecRepository(resources: [], fileCount: 0, diagnostics: [])
        let firstCache = cache
        let reload = await clock.measure { (reloaded, cache) = await SpecLoader().load(root, reusing: firstCache) }
        guard reloaded.diagnostics.isEmpty, reloaded.resources.count == repository.resources.count, reloaded.resources != repository.resources,
            let memo else {
            throw BenchmarkError(message: "the edit of \(edited) did not load as one changed resource")
        }
        // The incremental re-plan: reload with the cache, then re-diff what the edit touches.
        var replanned: (plan: Plan, memo: PlanningMemo, rediffed: Int)?
        let replan = try await clock.measure {
            let (edited, editedCache) = await SpecLoader().load(root, reusing: firstCache)
            replanned = try Planner().replan(resources: edited.resources, state: state, memo: memo, edited: editedCache.patchedPositions)
        }
        // The full re-plan of the same tree, for comparison, and the check that they agree.
        var fullPlan: Plan?
        let fullReplan = try await clock.measure {
            let edited = await SpecLoader().load(root)
            let graph = GraphBuilder().build(edited.resources).graph
            fullPlan = try Planner().plan(resources: edited.resources, graph: graph, state: state)
        }
        guard let replanned, replanned.plan == fullPlan, replanned.plan.summary.change == 1 else {
            throw BenchmarkError(message: "the incremental re-plan differs from the full one: \(replanned?.plan.summary.line ?? "") vs \(fullPlan?.summary.line ?? "")")
        }

        return Result(
            resources: repository.resources.count, files: files, edges: graph.edgeCount,
            libyamlParseSeconds: parse.timeInterval, loadValidateSeconds: load.timeInterval, graphSeconds: graphTime.timeInterval,
            planCreateSeconds: planTime.timeInterval, planNoChangeSeconds: noChangeTime.timeInterval,
            reloadOneFileSeconds: reload.timeInterval, reloadReadFiles: cache.readFiles, reloadParsedFiles: cache.parsedFiles, replanOneFileSeconds: replan.timeInterval,
            replanRediffed: replanned.rediffed, fullReplanSeconds: fullReplan.timeInterval, peakResidentMiB: peak)
    }

    /// Changes the first `cpu: N` of the first file (whose name ends with `suffix`) that has
    /// one to `cpu: N+1`; returns the file.
    static func editOneFile(under root: URL, suffix: String = ".yaml") throws -> String {
        let files = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(suffix) }.sorted()
        for file in files {
            let url = root.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            guard let range = text.range(of: "cpu: "), let end = text[range.upperBound...].firstIndex(where: { !$0.isNumber }),
                let value = Int(text[range.upperBound..<end]) else { continue }
            try text.replacingCharacters(in: range.upperBound..<end, with: String(value + 1)).write(to: url, atomically: true, encoding: .utf8)
            return file
        }
        throw BenchmarkError(message: "no file with a cpu field to edit")
    }

    /// Reads every file and composes every document with libyaml (through Yams), on one core.
    static func parseWithLibyaml(_ root: URL) throws {
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return }
        var nodes = 0
        for case let path as String in enumerator where path.hasSuffix(".yaml") {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            let parser = try Parser(yaml: text, resolver: .basic)
            while let node = try parser.nextRoot() { nodes += node.mapping?.count ?? 0 }
        }
        if nodes == 0 { throw BenchmarkError(message: "nothing parsed") }
    }

    /// The process's peak resident set size (VmHWM), in MiB.
    static func peakResidentMiB() -> Double { ControllerBenchmark.residentMiB("VmHWM") }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
