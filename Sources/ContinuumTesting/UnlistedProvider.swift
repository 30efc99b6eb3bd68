public import ContinuumProvider
public import ContinuumSpec

/// A real provider whose revision listing is hidden, as a libvirt, Redfish or external
/// provider's is: a refresh through it reads every object one by one. For tests and the
/// benchmarks' baseline.
public struct UnlistedProvider: Provider {
    /// The provider every call goes to.
    public let inner: any Provider

    /// Wraps `inner`.
    public init(_ inner: any Provider) {
        self.inner = inner
    }

    public var name: String { inner.name }

    public func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? {
        try await inner.read(kind, providerID: providerID)
    }

    public func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? {
        try await inner.lookup(id, idempotencyKey: idempotencyKey)
    }

    public func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        try await inner.create(request)
    }

    public func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        try await inner.update(request)
    }

    public func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) {
        try await inner.delete(kind, providerID: providerID, idempotencyKey: idempotencyKey)
    }

    public func immutableFields(of kind: ResourceKind) -> [FieldPath] { inner.immutableFields(of: kind) }

    public var isLocal: Bool { inner.isLocal }

    public func estimatedDuration(of operation: ProviderOperation, kind: ResourceKind) -> Duration {
        inner.estimatedDuration(of: operation, kind: kind)
    }
}
