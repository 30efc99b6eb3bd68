public import ContinuumSpec

/// What a provider reports of one object: its id, its live spec (for drift detection) and
/// its outputs.
public struct ObservedObject: Sendable, Hashable, Codable {
    /// The provider's id for the object.
    public var providerID: String
    /// The spec as the provider sees it now, in the canonical form the planner diffs.
    public var spec: FieldValue
    /// The outputs, by name (spec-v1 lists them per kind).
    public var outputs: [String: FieldValue]

    /// Creates an observation.
    public init(providerID: String, spec: FieldValue, outputs: [String: FieldValue]) {
        self.providerID = providerID
        self.spec = spec
        self.outputs = outputs
    }
}
