public import ContinuumSpec

/// What the state store knows of one resource: the spec last applied to it, its outputs
/// and dependencies. Secret values are never in it; a secret field holds only its
/// reference (`fromEnv`/`fromFile`).
public struct RecordedResource: Sendable, Hashable, Codable {
    /// `Kind/name`.
    public var id: ResourceID
    /// The name of the provider it lives on.
    public var provider: String
    /// The provider's own id for it, once created.
    public var providerID: String?
    /// The canonical spec last applied, interpolations resolved.
    public var spec: FieldValue
    /// Its outputs, by name.
    public var outputs: [String: FieldValue]
    /// The resources it depended on when applied, so that deletes run in the right order.
    public var dependencies: [ResourceID]
    /// Its lifecycle when applied; `preventDestroy` still guards it once gone from the spec.
    public var lifecycle: Lifecycle
    /// Old objects of a create-before-destroy replace that are not deleted yet.
    public var deposed: [DeposedObject]

    /// Creates a record.
    public init(
        id: ResourceID, provider: String, providerID: String? = nil, spec: FieldValue, outputs: [String: FieldValue] = [:],
        dependencies: [ResourceID] = [], lifecycle: Lifecycle = Lifecycle(), deposed: [DeposedObject] = []
    ) {
        self.id = id
        self.provider = provider
        self.providerID = providerID
        self.spec = spec
        self.outputs = outputs
        self.dependencies = dependencies
        self.lifecycle = lifecycle
        self.deposed = deposed
    }
}
