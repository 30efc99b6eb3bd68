import ArgumentParser
import Foundation

/// `continuum plan --server URL --ref BRANCH`: the controller plans a ref of its own
/// repository against the live state and answers the plan, which is printed as a local
/// plan would be, with the planned commit, the applied one and the digest on standard error.
struct RemotePlan {
    let server: String
    let ref: String?
    let commit: String?
    let tokenFile: String?
    let format: PlanCommand.Format

    func run(detailedExitcode: Bool) async throws {
        var request: [String: String] = ["format": format.rawValue]
        request["ref"] = ref
        request["commit"] = commit
        let body = try JSONEncoder().encode(request)
        let data = try await ControllerClient(server: server, tokenFile: tokenFile).send("POST", "/api/v1/plans", json: body)
        guard let answer = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            Terminal.error("error: \(server) answered something that is not a plan\n")
            throw ExitCode.failure
        }
        switch format {
        case .text: Terminal.out(answer["text"] as? String ?? "")
        case .markdown: Terminal.out(answer["markdown"] as? String ?? "")
        case .json:
            let plan = answer["plan"] ?? [:]
            let encoded = try JSONSerialization.data(withJSONObject: plan, options: [.sortedKeys, .withoutEscapingSlashes])
            Terminal.out(String(decoding: encoded, as: UTF8.self) + "\n")
        }
        let planned = answer["commit"] as? String ?? "?"
        let base = answer["base"] as? String ?? "nothing applied yet"
        Terminal.error("Planned commit \(planned) against the applied \(base); digest \(answer["digest"] as? String ?? "?")\n")
        let counts = answer["counts"] as? [String: Any] ?? [:]
        let changes = ["add", "change", "replace", "destroy"].reduce(0) { $0 + (counts[$1] as? Int ?? 0) }
        if detailedExitcode && changes > 0 { throw ExitCode(2) }
    }
}
