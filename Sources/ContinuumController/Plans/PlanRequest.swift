public import ContinuumGit

/// What `POST /api/v1/plans` asks for: a branch (or a forge's review ref) or a commit of
/// the controller's repository, and the answer's format.
public struct PlanRequest: Sendable, Hashable, Decodable {
    /// The formats a plan is answered in.
    public enum Format: String, Sendable, Hashable, Decodable, CaseIterable {
        /// The plan as `continuum plan` prints it.
        case text
        /// The plan as a pull-request comment.
        case markdown
        /// The plan itself, as `continuum plan --format json` writes it.
        case json
    }

    /// A branch, or `refs/pull/N/head` (GitHub) or `refs/merge-requests/N/head` (GitLab).
    public var ref: String?
    /// A commit's full or abbreviated SHA.
    public var commit: String?
    /// The answer's format (text by default).
    public var format: Format?

    /// Creates a request.
    public init(ref: String? = nil, commit: String? = nil, format: Format? = nil) {
        self.ref = ref
        self.commit = commit
        self.format = format
    }

    /// The Git reference to fetch.
    /// - Throws: `PlanServiceError.badRequest` unless exactly one of `ref` and `commit` is
    ///   given, well formed: a ref of letters, digits and `._/-` without `..`, a commit of
    ///   7 to 40 hexadecimal digits. Nothing else reaches libgit2's revision parser.
    public func reference() throws(PlanServiceError) -> GitReference {
        switch (ref, commit) {
        case (let ref?, nil):
            guard !ref.isEmpty, ref.utf8.count <= 255, ref.utf8.allSatisfy(Self.isReferenceByte), !ref.contains(".."), !ref.hasPrefix("/"), !ref.hasPrefix("-"), !ref.hasSuffix("/") else {
                throw .badRequest("\"ref\" must be a branch name or refs/pull/N/head, refs/merge-requests/N/head: letters, digits and ._/- without ..")
            }
            return .branch(ref)
        case (nil, let commit?):
            guard (7...40).contains(commit.count), commit.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit) else {
                throw .badRequest("\"commit\" must be a commit SHA: 7 to 40 hexadecimal digits")
            }
            return .commit(commit.lowercased())
        default:
            throw .badRequest("give either \"ref\" or \"commit\", not both or neither")
        }
    }

    /// ASCII letters, digits, `.`, `_`, `/` and `-`.
    private static func isReferenceByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "/"), UInt8(ascii: "-"): true
        default: false
        }
    }
}
