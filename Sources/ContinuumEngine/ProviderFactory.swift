public import ContinuumKubernetes
public import ContinuumProvider
public import ContinuumSpec
public import Foundation

/// Builds the providers of one type: checks a `Provider` spec's `config` for `validate`,
/// and makes the provider an apply calls. One factory per `ProviderType`, registered in
/// the `ProviderCatalog`; a new provider type is a new factory.
public protocol ProviderFactory: Sendable {
    /// The type it serves.
    var type: ProviderType { get }

    /// What is wrong with `spec`, each problem starting with the field's path
    /// (`spec.config.endpoint: required: ...`); empty when it is valid.
    func problems(in spec: ProviderSpec) -> [String]

    /// The provider named `name` for `spec`. A spec whose setup fails at run time (a
    /// credential that cannot be read) makes a provider whose every call says why.
    func make(name: String, spec: ProviderSpec, context: ProviderContext) -> any Provider
}

/// What a factory may need beyond the spec: the cluster membership the state records and
/// where generated secrets live.
public struct ProviderContext: Sendable {
    /// The machines the state records, for providers that join clusters.
    public var clusterDirectory: ClusterDirectory
    /// Where secrets generated for clusters (join tokens) are kept.
    public var secretsDirectory: URL

    /// Creates a context.
    public init(clusterDirectory: ClusterDirectory, secretsDirectory: URL) {
        self.clusterDirectory = clusterDirectory
        self.secretsDirectory = secretsDirectory
    }
}
