import ContinuumPlanner
import ContinuumState
import Foundation

/// The plans users save, through the `continuum` binary itself: `plan` printing the text
/// plan to a file (the baseline), `plan --out` (a saved plan, text still on standard
/// output), `plan --format json` and `--format json --pretty`, one after the other on the
/// same fleet and empty state. Each run's wall time and peak RSS (the child's, from
/// `wait4`), and the sizes of what it wrote.
struct PlanOutputBenchmark {
    struct Run: Codable {
        var mode: String
        var seconds: Double
        var peakResidentMiB: Double
        var stdoutBytes: Int
        var savedBytes: Int?
        var ratioToText: Double
    }

    struct Result: Codable {
        var shape: String
        var resources: Int
        var files: Int
        var runs: [Run]
        /// Reading the saved plan back (`SavedPlanReader`), in this process.
        var readBackSeconds: Double
    }

    let requestedResources: Int
    let shape: String
    let continuum: String
    /// Runs of every mode, in turn; each mode's fastest run is kept (its peak RSS is the highest).
    var repeats = 1

    func run() async throws -> Result {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let specs = root.appendingPathComponent("specs")
        let files: Int
        let resources: Int
        if shape == "virt8ra" {
            let generator = Virt8raGenerator(resources: requestedResources)
            files = try generator.write(to: specs)
            resources = generator.resourceCount
        } else {
            let generator = FleetGenerator(resources: requestedResources, latency: "0ms")
            files = try generator.write(to: specs)
            resources = generator.resourceCount
        }
        let base = [continuum, "plan", specs.path, "--state", root.appendingPathComponent("state.db").path,
            "--sim-world", root.appendingPathComponent("sim.db").path, "--refresh", "false"]
        let saved = root.appendingPathComponent("plan.bin").path
        let modes: [(String, [String], String?)] = [
            ("text", [], nil),
            ("--out (text to stdout)", ["--out", saved], saved),
            ("--format json", ["--format", "json"], nil),
            ("--format json --pretty", ["--format", "json", "--pretty"], nil),
        ]
        var runs: [Run] = []
        for round in 0..<max(1, repeats) {
            for (index, (mode, extra, savedPath)) in modes.enumerated() {
                let stdout = root.appendingPathComponent("stdout").path
                let stderr = root.appendingPathComponent("stderr").path
                let child = try ChildProcess.run(base + extra, stdout: stdout, stderr: stderr)
                guard child.status == 0 else {
                    throw BenchmarkError(message: "\(mode) exited \(child.status): \((try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "")")
                }
                let size = { (path: String) in ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0 }
                let run = Run(mode: mode, seconds: child.seconds, peakResidentMiB: child.peakResidentMiB, stdoutBytes: size(stdout), savedBytes: savedPath.map(size), ratioToText: 0)
                if round == 0 {
                    runs.append(run)
                } else {
                    runs[index].seconds = min(runs[index].seconds, run.seconds)
                    runs[index].peakResidentMiB = max(runs[index].peakResidentMiB, run.peakResidentMiB)
                }
            }
        }
        for index in runs.indices { runs[index].ratioToText = runs[index].seconds / runs[0].seconds }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: saved)))
        var plan: Plan?
        let read = try ContinuousClock().measure { plan = try SavedPlanReader.read(bytes) }
        guard let plan, plan.summary.add > 0 else { throw BenchmarkError(message: "the saved plan read back empty") }
        return Result(shape: shape, resources: resources, files: files, runs: runs, readBackSeconds: read.timeInterval)
    }
}
