import ContinuumProvider
import ContinuumSpec

/// A provider whose type this build cannot serve yet: every call says so.
struct UnavailableProvider: Provider {
    let name: String
    let type: String

    private var error: ProviderError {
        ProviderError(.invalidRequest, provider: name, message: "provider type '\(type)' is not available in this build yet",
            remedy: "use type: sim or external for now; the libvirt and redfish providers are being built")
    }

    func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? { throw error }
    func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? { throw error }
    func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject { throw error }
    func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject { throw error }
    func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) { throw error }
}
