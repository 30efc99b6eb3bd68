/// A Git source failure: what was being done, libgit2's message, and what to do.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// What was being done, such as `fetch file:///srv/specs.git`.
    public var operation: String
    /// What went wrong.
    public var message: String
    /// What to do about it.
    public var remedy: String

    /// Creates an error.
    public init(operation: String, message: String, remedy: String) {
        self.operation = operation
        self.message = message
        self.remedy = remedy
    }

    public var description: String { "git: cannot \(operation): \(message); \(remedy)" }
}
