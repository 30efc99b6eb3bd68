import ContinuumProvider
import ContinuumSpec

/// A provider that cannot serve: a type this build lacks, or one whose setup failed (its
/// credentials could not be read). Every call says why.
struct UnavailableProvider: Provider {
    let name: String
    let error: ProviderError

    /// A provider of a type this build cannot serve yet.
    init(name: String, type: String) {
        self.name = name
        self.error = ProviderError(.invalidRequest, provider: name, message: "provider type '\(type)' is not available in this build yet",
            remedy: "use type: sim, libvirt, redfish or external")
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
