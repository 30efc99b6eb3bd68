import ArgumentParser
import ContinuumEngine
import Foundation

/// `continuum status --server URL`: what a running controller is doing and how its last
/// reconcile went.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running controller's status."
    )

    @Option(help: "The controller's URL, such as http://127.0.0.1:8080.") var server: String
    @Option(help: "A file holding an API token (the controller's read or write token), sent as a bearer token.") var tokenFile: String?
    @Option(help: "text or json.") var format: ListingFormat = .text

    func run() async throws {
        let data = try await ControllerClient(server: server, tokenFile: tokenFile).send("GET", "/api/v1/status")
        guard format == .text else {
            Terminal.out(String(decoding: data, as: UTF8.self))
            return
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let status = try? decoder.decode(ControllerStatus.self, from: data) else {
            Terminal.error("error: \(server) did not answer with a status; is it a continuum controller?\n")
            throw ExitCode.failure
        }
        Terminal.out(Self.lines(status).joined(separator: "\n") + "\n")
        if status.phase == .failed { throw ExitCode(2) }
    }

    /// The status as `Label: value` lines.
    static func lines(_ status: ControllerStatus) -> [String] {
        var lines: [String] = []
        func add(_ label: String, _ value: String?) { if let value { lines.append("\(label): \(value)") } }
        add("Phase", status.phase.rawValue)
        add("Repository", status.repository)
        add("Tracking", status.reference)
        add("Pinned to", status.pinnedCommit.map { "commit \($0) (`continuum resume --tracking` lifts the pin)" })
        add("Applied commit", status.lastAppliedCommit)
        add("Attempted commit", status.lastAttemptedCommit)
        if let last = status.lastReconcile {
            let time = ISO8601DateFormatter().string(from: last.time)
            add("Last reconcile", "\(time) \(last.result.rawValue) in \(String(format: "%.3f", last.durationSeconds))s")
            add("Last plan", last.plan?.summary)
            add("Plan digest", last.digest?.value)
        }
        if !status.resources.isEmpty {
            add("Resources", status.resources.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
        if let shards = status.shards {
            add("Replicas", status.replicas.map { "\($0.count) live" })
            for shard in shards {
                let holder = shard.here ? "held here" : shard.holder.map { "held by \($0)" } ?? "free (waiting for a replica)"
                add("Shard \(shard.shard)", "\(holder), generation \(shard.generation)")
            }
        }
        if let triggers = status.triggers, triggers.received > triggers.handled {
            add("Trigger", "waiting (\(triggers.received) received, \(triggers.handled) answered by a fetch)")
        }
        add("Message", status.message)
        return lines
    }
}
