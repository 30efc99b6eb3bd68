import ArgumentParser
import Foundation

/// `continuum-bench`: measures Continuum on generated fleets, next to baselines measured
/// in the same run.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continuum-bench",
        abstract: "Measure load + validate + graph + plan on generated fleets, next to the libyaml parse of the same files.",
        discussion: "Build in release mode for meaningful figures: swift run -c release continuum-bench --resources 1000 --resources 10000"
    )

    /// Output formats.
    enum Format: String, ExpressibleByArgument {
        case table, json
    }

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
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            print("\ntotal = load+validate + graph + plan (all creates); ratio = total / libyaml parse of the same files (one core).")
            print("no-change = plan against a state that matches the spec. peak RSS is the process's high-water mark so far.")
        }
    }

    static func row(_ r: PlanBenchmark.Result, header: Bool) -> String {
        func s(_ value: Double) -> String { String(format: "%.3f", value) }
        let columns = [
            ("resources", "\(r.resources)"), ("files", "\(r.files)"), ("edges", "\(r.edges)"), ("libyaml s", s(r.libyamlParseSeconds)),
            ("load+valid s", s(r.loadValidateSeconds)), ("graph s", s(r.graphSeconds)), ("plan s", s(r.planCreateSeconds)),
            ("total s", s(r.totalSeconds)), ("ratio", String(format: "%.2fx", r.ratioToParse)), ("no-change s", s(r.planNoChangeSeconds)),
            ("peak RSS MiB", String(format: "%.0f", r.peakResidentMiB)),
        ]
        let widths = columns.map { max($0.0.count, $0.1.count) }
        let line = zip(columns, widths).map { $0.1.padded($1) }.joined(separator: "  ")
        guard header else { return line }
        return zip(columns, widths).map { $0.0.padded($1) }.joined(separator: "  ") + "\n" + line
    }
}

extension String {
    func padded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
