/// A Git source failure: what was being done, libgit2's message, and what to do.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// What was being done, such as `fetch file:///srv/specs.git`.
    public var operation: String
    /// What went wrong.
    public var message: String
    /// What to do about it.
    public var remedy: String
    /// The commit refused, when the error is about one (an unsigned commit, a bad signature).
    public var commit: String?

    /// Creates an error.
    public init(operation: String, message: String, remedy: String, commit: String? = nil) {
        self.operation = operation
        self.message = message
        self.remedy = remedy
        self.commit = commit
    }

    public var description: String { "git: cannot \(operation): \(message); \(remedy)" }
}
