import ArgumentParser
import ContinuumEngine
import Foundation

/// `continuum reconcile --server URL`: asks a running controller to fetch now; it reconciles
/// if the fetch brings a new commit, or a drift check or a retry is due.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Ask a running controller to fetch now, and reconcile if anything is new or due.",
        discussion: """
            The controller fetches at once (or after the fetch running now, or once a backoff after failures ends) \
            and reconciles if there is a new commit, a drift check is due (--drift-interval) or a retry is due. \
            Triggers are coalesced: many at once cost one fetch. With API tokens configured this needs the write token.
            """
    )

    @Option(help: "The controller's URL, such as http://127.0.0.1:8080.") var server: String
    @Option(help: "A file holding the controller's API write token, sent as a bearer token.") var tokenFile: String?

    func run() async throws {
        let data = try await ControllerClient(server: server, tokenFile: tokenFile).send("POST", "/api/v1/reconcile")
        let receipt = try? JSONDecoder().decode(TriggerReceipt.self, from: data)
        let note = receipt.map { " (trigger \($0.trigger)): \($0.message)" } ?? ""
        Terminal.out("Reconcile triggered at \(server)\(note).\n`continuum status --server \(server)` shows how it went.\n")
    }
}
