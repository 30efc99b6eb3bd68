import ArgumentParser
import Foundation

/// `continuum rollback --server URL --to COMMIT`: shows the plan of going back to that
/// commit, then pins the controller to it until `continuum resume --tracking`.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Show the plan of going back to a commit, then pin the controller to it until `continuum resume --tracking`.",
        discussion: "The plan shown is served for review, so a controller with --require-reviewed-plan applies it if nothing changed meanwhile."
    )

    @Option(help: "The controller's URL, such as http://127.0.0.1:8080.") var server: String
    @Option(name: .customLong("to"), help: "The commit to go back to: its SHA, 7 to 40 hexadecimal digits.") var commit: String
    @Option(help: "A file holding the controller's API write token, sent as a bearer token.") var tokenFile: String?

    func validate() throws {
        guard (7...40).contains(commit.count), commit.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit) else {
            throw ValidationError("--to must be a commit SHA: 7 to 40 hexadecimal digits")
        }
    }

    func run() async throws {
        try await RemotePlan(server: server, ref: nil, commit: commit, tokenFile: tokenFile, format: .text).run(detailedExitcode: false)
        let body = try JSONEncoder().encode(["commit": commit])
        let data = try await ControllerClient(server: server, tokenFile: tokenFile).send("POST", "/api/v1/pin", json: body)
        let message = (try? JSONDecoder().decode([String: String].self, from: data))?["message"] ?? "pinned"
        Terminal.out("\(message.prefix(1).uppercased() + message.dropFirst()).\n")
    }
}
