public import ContinuumProvider
public import ContinuumSpec
public import Foundation

/// The `config` of a `type: redfish` provider: the BMC endpoint and how to trust it, and
/// how long power changes may take. Credentials come from the provider's `credentials`
/// (`username`, `password`, as secret references).
public struct RedfishConfig: Sendable, Hashable {
    /// The service's base URL, such as `https://10.0.0.5` (the service root is `/redfish/v1`).
    public var endpoint: URL
    /// Accept any TLS certificate (default false: TLS is verified). Written `true` or
    /// `false` (YAML's spellings, as a boolean or as the string a provider's config holds).
    public var insecureSkipVerify: Bool
    /// A PEM file of CA certificates to trust instead of the system's.
    public var caFile: String?
    /// How long a power change may take before the operation fails (default 5m).
    public var powerTimeout: Duration
    /// How often power state and task monitors are polled (default 1s).
    public var pollInterval: Duration
    /// Where cloud-init seed ISOs for nodes with `userData` (cluster workers) are written.
    public var seedDirectory: String?
    /// The URL the BMC downloads `seedDirectory`'s files from (a web server serving it).
    public var seedURL: URL?

    /// Reads `config`, or says what is wrong with each field.
    public static func parse(_ config: FieldValue) -> Result<RedfishConfig, ProviderConfigError> {
        var problems: [String] = []
        var endpoint: URL?
        if case .string(let text)? = config["endpoint"], let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil {
            endpoint = url
        } else {
            problems.append("spec.config.endpoint: required: the BMC's URL, such as https://10.0.0.5")
        }
        var insecure = false
        switch config["insecureSkipVerify"] {
        case nil: break
        case .boolean(let flag)?: insecure = flag
        // Provider `config` scalars arrive as strings: `insecureSkipVerify: true` is "true".
        case .string(let text)? where ["true", "True", "TRUE"].contains(text): insecure = true
        case .string(let text)? where ["false", "False", "FALSE"].contains(text): insecure = false
        default: problems.append("spec.config.insecureSkipVerify: expected true or false")
        }
        var caFile: String?
        switch config["caFile"] {
        case nil: break
        case .string(let path)?: caFile = path
        default: problems.append("spec.config.caFile: expected a path to a PEM file")
        }
        func duration(_ key: String, default value: Duration) -> Duration {
            guard let field = config[key] else { return value }
            if case .string(let text) = field, let parsed = DurationText.parse(text), parsed > .zero { return parsed }
            problems.append("spec.config.\(key): expected a duration like \"30s\" or \"5m\"")
            return value
        }
        let powerTimeout = duration("powerTimeout", default: .seconds(300))
        let pollInterval = duration("pollInterval", default: .seconds(1))
        var seedDirectory: String?
        var seedURL: URL?
        switch config["seedDirectory"] {
        case nil: break
        case .string(let path)? where path.hasPrefix("/"): seedDirectory = path
        default: problems.append("spec.config.seedDirectory: expected an absolute directory path")
        }
        switch config["seedURL"] {
        case nil: break
        case .string(let text)? where URL(string: text).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) == true: seedURL = URL(string: text)
        default: problems.append("spec.config.seedURL: expected the http(s) URL that serves seedDirectory, such as http://10.0.0.2:8080/seeds")
        }
        if (seedDirectory == nil) != (seedURL == nil) {
            problems.append("spec.config.\(seedDirectory == nil ? "seedDirectory" : "seedURL"): required with \(seedDirectory == nil ? "seedURL" : "seedDirectory"): the BMC downloads seeds written to the directory from the URL")
        }
        let known = ["endpoint", "insecureSkipVerify", "caFile", "powerTimeout", "pollInterval", "seedDirectory", "seedURL"]
        problems += ProviderConfigError.unknownKeys(in: config, known: known, type: "redfish")
        guard problems.isEmpty, let endpoint else { return .failure(ProviderConfigError(problems: problems)) }
        return .success(RedfishConfig(
            endpoint: endpoint, insecureSkipVerify: insecure, caFile: caFile, powerTimeout: powerTimeout, pollInterval: pollInterval,
            seedDirectory: seedDirectory, seedURL: seedURL))
    }
}
