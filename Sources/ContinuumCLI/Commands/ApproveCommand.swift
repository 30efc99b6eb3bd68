import ArgumentParser
import Foundation

/// `continuum approve --server URL --commit SHA`: lets a controller that requires reviewed
/// plans (`--require-reviewed-plan`) apply a commit whose plan no one reviewed.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Let a controller apply a commit held for review (--require-reviewed-plan) without a reviewed plan.",
        discussion: "A held commit is reconciled at once. Needs the API write token when tokens are configured."
    )

    @Option(help: "The controller's URL, such as http://127.0.0.1:8080.") var server: String
    @Option(help: "The commit to approve: its SHA, 7 to 40 hexadecimal digits.") var commit: String
    @Option(help: "A file holding the controller's API write token, sent as a bearer token.") var tokenFile: String?

    func run() async throws {
        let body = try JSONEncoder().encode(["commit": commit])
        let data = try await ControllerClient(server: server, tokenFile: tokenFile).send("POST", "/api/v1/approve", json: body)
        let message = (try? JSONDecoder().decode([String: String].self, from: data))?["message"] ?? "approved"
        Terminal.out("\(message.prefix(1).uppercased() + message.dropFirst()).\n")
    }
}
