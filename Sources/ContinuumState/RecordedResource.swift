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
    /// Its labels when applied: generated resources are found by them once gone from the spec.
    public var labels: [String: String]
    /// The object's revision when it was last applied or refreshed, if its provider has
    /// revisions: a refresh skips reading an object whose revision is unchanged.
    public var revision: String?

    /// Creates a record.
    public init(
        id: ResourceID, provider: String, providerID: String? = nil, spec: FieldValue, outputs: [String: FieldValue] = [:],
        dependencies: [ResourceID] = [], lifecycle: Lifecycle = Lifecycle(), deposed: [DeposedObject] = [], labels: [String: String] = [:],
        revision: String? = nil
    ) {
        self.id = id
        self.provider = provider
        self.providerID = providerID
        self.spec = spec
        self.outputs = outputs
        self.dependencies = dependencies
        self.lifecycle = lifecycle
        self.deposed = deposed
        self.labels = labels
        self.revision = revision
    }

    private enum CodingKeys: String, CodingKey {
        case id, provider, providerID, spec, outputs, dependencies, lifecycle, deposed, labels, revision
    }

    /// Decodes a record; records written before labels or revisions were kept have none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(ResourceID.self, forKey: .id)
        provider = try container.decode(String.self, forKey: .provider)
        providerID = try container.decodeIfPresent(String.self, forKey: .providerID)
        spec = try container.decode(FieldValue.self, forKey: .spec)
        outputs = try container.decode([String: FieldValue].self, forKey: .outputs)
        dependencies = try container.decode([ResourceID].self, forKey: .dependencies)
        lifecycle = try container.decode(Lifecycle.self, forKey: .lifecycle)
        deposed = try container.decode([DeposedObject].self, forKey: .deposed)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        revision = try container.decodeIfPresent(String.self, forKey: .revision)
    }
}

extension RecordedResource {
    /// Encodes a record; empty labels and an unknown revision are left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(provider, forKey: .provider)
        try container.encodeIfPresent(providerID, forKey: .providerID)
        try container.encode(spec, forKey: .spec)
        try container.encode(outputs, forKey: .outputs)
        try container.encode(dependencies, forKey: .dependencies)
        try container.encode(lifecycle, forKey: .lifecycle)
        try container.encode(deposed, forKey: .deposed)
        if !labels.isEmpty { try container.encode(labels, forKey: .labels) }
        try container.encodeIfPresent(revision, forKey: .revision)
    }
}
