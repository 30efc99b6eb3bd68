public import ContinuumProvider
public import ContinuumSpec
import ContinuumKubernetes
import ContinuumOpenNebula
import Foundation

/// `type: opennebula`: VMs and virtual networks on an OpenNebula front-end through its
/// XML-RPC API, joining clusters through the machine wrapper. The endpoint, CA, VM
/// templates and the session (`credentials.session`, or `username` and `password`) are the
/// connection's; the session travels over https only unless the connection allows
/// plaintext. The connection's `limits` bound the XML-RPC requests themselves (at most
/// `concurrency` at once, `requestsPerSecond` a second), for every provider on it.
public struct OpenNebulaProviderFactory: ProviderFactory {
    /// Creates the factory.
    public init() {}

    public var type: ProviderType { .opennebula }

    public func problems(in spec: ProviderSpec, connection: Connection?) -> [String] {
        Self.config(spec, connection).failure?.problems ?? []
    }

    /// The config, when it parses and the session would not travel in plaintext.
    private static func config(_ spec: ProviderSpec, _ connection: Connection?) -> Result<OpenNebulaConfig, ProviderConfigError> {
        OpenNebulaConfig.parse(spec.config).flatMap { config in
            var problems: [String] = []
            if let connection, config.endpoint.scheme != "https", !connection.allowPlaintext {
                problems.append("spec.config.endpoint: connection '\(connection.name)' sends the OpenNebula session, and \(config.endpoint.absoluteString) is not https; use https, or set allowPlaintext: true on the connection for a lab")
            }
            if let connection {
                let keys = Set(connection.credentials.keys)
                if !(keys.contains("session") || (keys.contains("username") && keys.contains("password"))) {
                    problems.append("spec.config.endpoint: connection '\(connection.name)' has no OpenNebula session: set its credentials.session (user:password or user:token), or credentials.username and credentials.password")
                }
            }
            return problems.isEmpty ? .success(config) : .failure(ProviderConfigError(problems: problems))
        }
    }

    public func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        let config: OpenNebulaConfig
        switch Self.config(spec, connection) {
        case .success(let parsed): config = parsed
        case .failure(let error): return UnavailableProvider(name: name, configError: error)
        }
        let inner: any Provider
        do throws(ProviderError) {
            let credentials = try context.credentials(of: connection, provider: name)
            let session = credentials["session"] ?? "\(credentials["username"] ?? ""):\(credentials["password"] ?? "")"
            inner = try OpenNebulaProvider(name: name, connection: connection?.name ?? name, config: config, session: session,
                concurrency: connection?.maximumConcurrency, requestsPerSecond: connection?.maximumRequestsPerSecond)
        } catch {
            return UnavailableProvider(name: name, error: error)
        }
        return ClusterMachineProvider(
            wrapping: inner, secrets: GeneratedSecrets(directory: context.secretsDirectory), directory: context.clusterDirectory, options: ClusterOptions(connection))
    }
}
