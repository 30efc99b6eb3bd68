/// A failed provider call: what went wrong, whether trying again may help, and what to do.
public struct ProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: String, Sendable, Hashable {
        /// A passing fault (timeout, throttling, a 5xx): retry with backoff.
        case transient
        /// The request is wrong for this provider (bad config, unsupported value): do not retry.
        case invalidRequest
        /// The object is not there.
        case notFound
        /// The provider cannot be reached or refused the credentials.
        case unavailable
    }

    /// What kind of failure.
    public var code: Code
    /// The provider's name.
    public var provider: String
    /// What went wrong.
    public var message: String
    /// What to do about it.
    public var remedy: String

    /// Creates an error.
    public init(_ code: Code, provider: String, message: String, remedy: String) {
        self.code = code
        self.provider = provider
        self.message = message
        self.remedy = remedy
    }

    /// Whether retrying the same call may succeed.
    public var isRetryable: Bool { code == .transient || code == .unavailable }

    public var description: String { "provider '\(provider)': \(message); \(remedy)" }
}
