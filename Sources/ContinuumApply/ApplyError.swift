public import ContinuumState

/// Why an apply could not start or record its work.
public struct ApplyError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: Sendable, Hashable {
        /// The saved plan was made from another state serial or lineage.
        case stalePlan
        /// The state store failed.
        case state
    }

    /// What kind of failure.
    public var code: Code
    /// What went wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A state failure.
    public static func state(_ error: StateError) -> ApplyError { ApplyError(.state, error.description) }

    public var description: String { message }
}
