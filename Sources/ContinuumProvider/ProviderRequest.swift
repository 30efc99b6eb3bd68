public import ContinuumSpec

/// One create or update call: which resource, the desired spec with interpolations
/// resolved, and the idempotency key recorded in the journal before the call.
public struct ProviderRequest: Sendable, Hashable {
    /// The resource.
    public var id: ResourceID
    /// The desired spec, interpolations resolved.
    public var spec: FieldValue
    /// The key that makes a repeated call return the object of the first one.
    public var idempotencyKey: String
    /// For an update, the object to change.
    public var providerID: String?
    /// The resources it depends on (a cluster's selected bare-metal nodes among them).
    public var dependencies: [ResourceID]
    /// The labels of the resource.
    public var labels: [String: String]

    /// Creates a request.
    public init(id: ResourceID, spec: FieldValue, idempotencyKey: String, providerID: String? = nil, dependencies: [ResourceID] = [], labels: [String: String] = [:]) {
        self.id = id
        self.spec = spec
        self.idempotencyKey = idempotencyKey
        self.providerID = providerID
        self.dependencies = dependencies
        self.labels = labels
    }
}
