public import ContinuumSpec

/// One object of the simulated world, with the Continuum identity and idempotency key
/// of the call that created it.
public struct SimObject: Sendable, Hashable, Codable {
    /// The sim's id, such as `vm-000042`.
    public var id: String
    /// The provider (site) it lives on.
    public var provider: String
    /// The Continuum identity it was created for.
    public var resource: ResourceID
    /// The idempotency key of the creating call.
    public var idempotencyKey: String
    /// The spec it has now (changed by updates, or by `continuum sim set`).
    public var spec: FieldValue
    /// Its outputs.
    public var outputs: [String: FieldValue]
    /// The world's serial at its last write: changes whenever the object does, like a
    /// Kubernetes `resourceVersion`. Kept in its own column, not in the JSON record.
    public var revision: Int64 = 0

    private enum CodingKeys: String, CodingKey {
        case id, provider, resource, idempotencyKey, spec, outputs
    }

    /// Creates an object.
    public init(id: String, provider: String, resource: ResourceID, idempotencyKey: String, spec: FieldValue, outputs: [String: FieldValue]) {
        self.id = id
        self.provider = provider
        self.resource = resource
        self.idempotencyKey = idempotencyKey
        self.spec = spec
        self.outputs = outputs
    }
}
