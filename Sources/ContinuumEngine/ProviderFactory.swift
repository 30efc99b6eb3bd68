public import ContinuumKubernetes
public import ContinuumProvider
public import ContinuumSpec
public import Foundation

/// Builds the providers of one type: checks a `Provider` spec's effective `config` (the
/// operator connection's settings with the spec's tuning on top) for `validate`, and makes
/// the provider an apply calls. One factory per `ProviderType`, registered in the
/// `ProviderCatalog`; a new provider type is a new factory.
public protocol ProviderFactory: Sendable {
    /// The type it serves.
    var type: ProviderType { get }

    /// What is wrong with `spec` (its `config` already the effective one) reached through
    /// `connection`, each problem starting with the field's path (`spec.config.endpoint:
    /// required: ...`); empty when it is valid.
    func problems(in spec: ProviderSpec, connection: Connection?) -> [String]

    /// The provider named `name` for `spec` (effective `config`) through `connection`. A
    /// setup that fails at run time (a credential that cannot be read) makes a provider
    /// whose every call says why.
    func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider
}

/// What a factory may need beyond the spec: the cluster membership the state records,
/// where generated secrets live, and where the operator's credential files are.
public struct ProviderContext: Sendable {
    /// The machines the state records, for providers that join clusters.
    public var clusterDirectory: ClusterDirectory
    /// Where secrets generated for clusters (join tokens) are kept.
    public var secretsDirectory: URL
    /// The operator's secrets directory, beneath which connection credential files are read.
    public var credentialsDirectory: URL?

    /// Creates a context.
    public init(clusterDirectory: ClusterDirectory, secretsDirectory: URL, credentialsDirectory: URL? = nil) {
        self.clusterDirectory = clusterDirectory
        self.secretsDirectory = secretsDirectory
        self.credentialsDirectory = credentialsDirectory
    }

    /// The connection's credentials, resolved now.
    /// - Throws: `ProviderError` naming the credential (never a value) when one cannot be read.
    public func credentials(of connection: Connection?, provider: String) throws(ProviderError) -> [String: String] {
        var values: [String: String] = [:]
        for (key, secret) in connection?.credentials ?? [:] {
            values[key] = try secret.resolve(in: credentialsDirectory, provider: provider, field: "connection '\(connection?.name ?? "")' credentials.\(key)")
        }
        return values
    }
}
