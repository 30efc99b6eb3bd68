import ArgumentParser
import Foundation

/// `continuum suspend|resume --server URL [--resource Kind/name]`: a suspended controller
/// fetches and plans but applies nothing; a suspended resource, and what depends on it, is
/// held. Kept in the state: it survives restarts and holds for every replica.
struct SuspendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend",
        abstract: "Suspend a running controller, or one resource (and what depends on it): it plans, and applies nothing there.",
        discussion: "Kept in the state, so it survives restarts. `continuum resume` lifts it. Needs the API write token when tokens are configured."
    )

    @OptionGroup var target: ControlTarget

    func run() async throws {
        try await target.send("suspend")
    }
}

/// `continuum resume --server URL [--resource Kind/name]`.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a suspended controller, or one suspended resource; the controller reconciles at once."
    )

    @OptionGroup var target: ControlTarget
    @Flag(help: "Lift a pin (continuum rollback): track the controller's branch, tag or commit again.") var tracking = false

    func validate() throws {
        if tracking, target.resource != nil { throw ValidationError("--tracking lifts the controller's pin; it takes no --resource") }
    }

    func run() async throws {
        try await target.send("resume", body: tracking ? Data(#"{"tracking": true}"#.utf8) : nil)
    }
}

/// Where `suspend` and `resume` act: a controller, and optionally one resource.
struct ControlTarget: ParsableArguments {
    @Option(help: "The controller's URL, such as http://127.0.0.1:8080.") var server: String
    @Option(help: "Only this resource (Kind/name) and what depends on it.") var resource: String?
    @Option(help: "A file holding the controller's API write token, sent as a bearer token.") var tokenFile: String?

    func send(_ action: String, body given: Data? = nil) async throws {
        let body = try given ?? resource.map { try JSONEncoder().encode(["resource": $0]) }
        let data = try await ControllerClient(server: server, tokenFile: tokenFile).send("POST", "/api/v1/\(action)", json: body)
        let message = (try? JSONDecoder().decode([String: String].self, from: data))?["message"] ?? action
        Terminal.out("\(message.prefix(1).uppercased() + message.dropFirst()).\n")
    }
}
