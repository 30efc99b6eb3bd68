import ArgumentParser
import Foundation

/// `continuum status --server URL`: what a running controller is doing and how its last
/// reconcile went.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running controller's status."
    )

    @Option(help: "The controller's URL, such as http://127.0.0.1:8080.") var server: String
    @Option(help: "text or json.") var format: ListingFormat = .text

    func run() async throws {
        let data = try await ControllerClient(server: server).send("GET", "/api/v1/status")
        guard format == .text else {
            Terminal.out(String(decoding: data, as: UTF8.self))
            return
        }
        guard let status = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            Terminal.error("error: \(server) did not answer with a status; is it a continuum controller?\n")
            throw ExitCode.failure
        }
        var lines: [String] = []
        func add(_ label: String, _ value: Any?) { if let value { lines.append("\(label): \(value)") } }
        add("Phase", status["phase"])
        add("Repository", status["repository"])
        add("Tracking", status["reference"])
        add("Applied commit", status["lastAppliedCommit"])
        add("Attempted commit", status["lastAttemptedCommit"])
        if let last = status["lastReconcile"] as? [String: Any] {
            let seconds = (last["durationSeconds"] as? Double).map { String(format: "%.3f", $0) } ?? "?"
            add("Last reconcile", "\(last["time"] ?? "") \(last["result"] ?? "") in \(seconds)s")
            if let plan = last["plan"] as? [String: Any] { add("Last plan", plan["summary"]) }
        }
        if let resources = status["resources"] as? [String: Int], !resources.isEmpty {
            add("Resources", resources.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
        add("Message", status["message"])
        Terminal.out(lines.joined(separator: "\n") + "\n")
        if status["phase"] as? String == "Failed" { throw ExitCode(2) }
    }
}
