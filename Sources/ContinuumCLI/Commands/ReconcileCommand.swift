import ArgumentParser
import Foundation

/// `continuum reconcile --server URL`: asks a running controller to fetch and reconcile now.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Ask a running controller to fetch and reconcile now."
    )

    @Option(help: "The controller's URL, such as http://127.0.0.1:8080.") var server: String

    func run() async throws {
        _ = try await ControllerClient(server: server).send("POST", "/api/v1/reconcile")
        Terminal.out("Reconcile triggered at \(server); `continuum status --server \(server)` shows how it went.\n")
    }
}
