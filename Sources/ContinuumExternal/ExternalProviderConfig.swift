public import ContinuumProvider
public import ContinuumSpec

/// The `config` of a `type: external` provider: `command` (the program and its arguments,
/// as a list, or one path), an optional per-call `timeout`, and anything else, which is
/// passed to the program in its handshake.
public struct ExternalProviderConfig: Sendable, Hashable {
    /// The program and its arguments.
    public var command: [String]
    /// The longest one call may take before the process is restarted (default 5m, at most
    /// `maximumTimeout`).
    public var timeout: Duration

    /// The cap on a spec-set `timeout`: a spec cannot make a call hang a reconcile longer.
    public static let maximumTimeout = Duration.seconds(1800)
    /// The whole config, passed to the program in `initialize`.
    public var settings: FieldValue

    /// Reads `config`, or says what is wrong with each field (`spec.config.command: ...`).
    public static func parse(_ config: FieldValue) -> Result<ExternalProviderConfig, ProviderConfigError> {
        var problems: [String] = []
        var command: [String] = []
        switch config["command"] {
        case .string(let path)?: command = [path]
        case .list(let items)?:
            command = items.compactMap { if case .string(let text) = $0 { text } else { nil } }
            if command.count != items.count { problems.append("spec.config.command: every item must be a string") }
        case nil: problems.append("spec.config.command: required: the provider program and its arguments, for example [python3, providers/opennebula.py]")
        default: problems.append("spec.config.command: expected a list of strings or a path")
        }
        if command.first?.isEmpty ?? false { problems.append("spec.config.command: the program is empty") }
        if command.isEmpty, config["command"] != nil, problems.isEmpty { problems.append("spec.config.command: the list is empty") }
        var timeout = Duration.seconds(300)
        if let value = config["timeout"] {
            if case .string(let text) = value, let parsed = DurationText.parse(text), parsed > .zero {
                if parsed > Self.maximumTimeout {
                    problems.append("spec.config.timeout: \(text) is over the limit of \(DurationText.format(Self.maximumTimeout)); a call that takes longer is better split or made asynchronous by the program")
                }
                timeout = parsed
            } else {
                problems.append("spec.config.timeout: expected a duration like \"30s\" or \"5m\"")
            }
        }
        guard problems.isEmpty else { return .failure(ProviderConfigError(problems: problems)) }
        return .success(ExternalProviderConfig(command: command, timeout: timeout, settings: config))
    }
}
