/// A server configuration that is refused before anything listens: what is wrong and what
/// to do about it.
public struct ServerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of refusal.
    public enum Code: Sendable, Hashable {
        /// The API would answer anyone on the network: a listener that is not loopback and no token.
        case unauthenticatedAPI
        /// A token is empty.
        case emptyToken
        /// The read and the write token are the same, so a read token could write.
        case sharedToken
        /// A limit or timeout is out of range.
        case invalidLimit
        /// The webhooks and the API would share one address.
        case sharedAddress
    }

    /// What kind of refusal.
    public var code: Code
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var remedy: String

    /// Creates an error.
    public init(_ code: Code, message: String, remedy: String) {
        self.code = code
        self.message = message
        self.remedy = remedy
    }

    public var description: String { "\(message); \(remedy)" }
}
