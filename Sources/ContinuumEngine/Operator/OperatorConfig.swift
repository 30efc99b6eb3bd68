import ContinuumSpec
public import Foundation

/// The operator's configuration (`--config FILE`), separate from the spec repository:
/// what specs may not decide. Named provider connections (endpoints, credentials, TLS,
/// ceilings, the spec settings they allow), external provider programs, and tenants
/// (which spec directories may use which connections and kinds). A spec `Provider` names
/// a connection and may tune only what the operator allows.
///
/// Without a configuration only `type: sim` providers are available: the quickstart
/// needs nothing.
public struct OperatorConfig: Sendable {
    /// The file it was read from; nil for the built-in empty configuration.
    public var file: String?
    /// Where credential files live; `file:` references resolve beneath it.
    public var secretsDirectory: URL?
    /// Connections by name.
    public var connections: [String: Connection]
    /// Tenants by name; empty means one tenant that owns the whole repository.
    public var tenants: [String: Tenant]
    /// Where the controller reports reconciles (forge statuses, webhooks), by name.
    public var notifications: [String: NotificationTarget] = [:]

    /// Creates a configuration.
    public init(file: String? = nil, secretsDirectory: URL? = nil, connections: [String: Connection] = [:], tenants: [String: Tenant] = [:]) {
        self.file = file
        self.secretsDirectory = secretsDirectory
        self.connections = connections
        self.tenants = tenants
    }

    /// No configuration: only the embedded sim is available.
    public static let none = OperatorConfig()

    /// Where to point an operator at a setting: `connections.fra-bmc.tunable in /etc/continuum/config.yaml`.
    func setting(_ path: String) -> String {
        "\(path) in " + (file ?? "the operator configuration (--config FILE)")
    }
}
