import ContinuumGit
import Foundation

/// The part of a GitHub or GitLab push payload that says what was pushed, and whether it
/// concerns what the controller tracks.
struct PushEvent: Decodable {
    /// `refs/heads/main` or `refs/tags/v1.2.0`.
    var ref: String?

    /// Reads a payload; nil when it is not JSON with a `ref`.
    static func parse(_ body: [UInt8]) -> PushEvent? {
        try? JSONDecoder().decode(PushEvent.self, from: Data(body))
    }

    /// Whether a push of this ref can change what `reference` resolves to.
    func concerns(_ reference: GitReference) -> Bool {
        switch reference {
        case .branch(let name): ref == "refs/heads/\(name)"
        case .tag: ref?.hasPrefix("refs/tags/") ?? false
        case .commit: false
        }
    }
}
