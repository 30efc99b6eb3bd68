public import ContinuumSpec

/// How an external provider program runs, as the operator's connection declares it: the
/// program's absolute path and arguments, the environment it gets (nothing else), an
/// optional SHA-256 of the program file, the per-call timeout, and the settings handed to
/// the program in its handshake. A spec never chooses the program.
public struct ExternalProviderConfig: Sendable, Hashable {
    /// The program (an absolute path) and its arguments.
    public var command: [String]
    /// The longest one call may take before the process is restarted.
    public var timeout: Duration
    /// The settings passed to the program in `initialize`.
    public var settings: FieldValue
    /// The program's whole environment.
    public var environment: [String: String]
    /// The SHA-256 the program file must have (hex), checked before each start.
    public var sha256: String?

    /// The cap on any timeout: a call cannot hold a reconcile longer.
    public static let maximumTimeout = Duration.seconds(1800)

    /// Creates a config; the timeout is capped at `maximumTimeout`.
    public init(command: [String], timeout: Duration = .seconds(300), settings: FieldValue = .map([]), environment: [String: String] = [:], sha256: String? = nil) {
        self.command = command
        self.timeout = min(timeout, Self.maximumTimeout)
        self.settings = settings
        self.environment = environment
        self.sha256 = sha256
    }
}
