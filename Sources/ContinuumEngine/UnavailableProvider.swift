import ContinuumProvider
import ContinuumSpec

/// A provider that cannot serve: a type no factory is registered for, a config that does
/// not parse, or a setup that failed (its credentials could not be read). Every call says
/// why, so only its own resources fail.
struct UnavailableProvider: Provider {
    let name: String
    let error: ProviderError

    /// A provider of a type the catalog has no factory for.
    init(name: String, type: ProviderType, available: [ProviderType]) {
        self.name = name
        self.error = ProviderError(.invalidRequest, provider: name, message: "provider type '\(type.rawValue)' is not available in this build",
            remedy: "use one of \(available.map(\.rawValue).sorted().joined(separator: ", "))")
    }

    /// A provider whose config is invalid.
    init(name: String, configError: ProviderConfigError) {
        self.name = name
        self.error = ProviderError(.invalidRequest, provider: name, message: "its config is invalid: \(configError.problems.joined(separator: "; "))",
            remedy: "fix the Provider's spec.config; `continuum validate` shows where")
    }

    /// A provider whose setup failed with `error`.
    init(name: String, error: ProviderError) {
        self.name = name
        self.error = error
    }

    func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? { throw error }
    func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? { throw error }
    func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject { throw error }
    func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject { throw error }
    func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) { throw error }
}
