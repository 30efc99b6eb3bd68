import ArgumentParser
import ContinuumState
import Foundation

/// `continuum history [--server URL]`: the applies the state records, newest first — when,
/// from which commit or directory, what the plan was, how it ended and how long it took.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the recorded applies, newest first: time, source, summary, outcome and duration.",
        discussion: "From the local state (--state), or from a running controller with --server (its read token with --token-file)."
    )

    @OptionGroup var state: StateOptions
    @Option(help: "Ask the controller at this URL (such as http://127.0.0.1:8080) instead of reading the local state.") var server: String?
    @Option(help: "With --server: a file holding the controller's API read (or write) token.") var tokenFile: String?
    @Option(help: "How many applies, newest first (1 to 1000).") var limit: Int = 20
    @Option(help: "text or json.") var format: ListingFormat = .text

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000") }
        if server == nil, tokenFile != nil { throw ValidationError("--token-file goes with --server") }
    }

    func run() async throws {
        let applies: [ApplyRecord]
        if let server {
            let data = try await ControllerClient(server: server, tokenFile: tokenFile).send("GET", "/api/v1/history?limit=\(limit)")
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            guard let answer = try? decoder.decode([String: [ApplyRecord]].self, from: data), let records = answer["applies"] else {
                Terminal.error("error: \(server) answered something that is not a history\n")
                throw ExitCode.failure
            }
            applies = records
        } else {
            let store = try StateCommand.open(state)
            do {
                applies = try await store.history(limit: limit)
            } catch {
                Terminal.error("\(error)\n")
                throw ExitCode.failure
            }
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            Terminal.out(String(decoding: try encoder.encode(applies), as: UTF8.self) + "\n")
        case .text:
            Terminal.out(Self.table(applies))
        }
    }

    /// One line an apply: time, duration, outcome, source and summary.
    static func table(_ applies: [ApplyRecord]) -> String {
        guard !applies.isEmpty else { return "No applies recorded yet.\n" }
        var lines = ["STARTED (UTC)         DURATION  OUTCOME    SOURCE               SUMMARY"]
        for apply in applies {
            let seconds = apply.finishedAt.timeIntervalSince(apply.startedAt)
            lines.append([
                apply.startedAt.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)).padding(21),
                String(format: "%.1fs", seconds).padding(9),
                apply.outcome.padding(10),
                apply.source.padding(20),
                apply.summary,
            ].joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

private extension String {
    /// The string padded with spaces to at least `width`.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
