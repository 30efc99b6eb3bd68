public import ContinuumSpec

/// What a provider reports of one object: its id, its live spec (for drift detection), its
/// outputs and, when the provider has them, its revision.
public struct ObservedObject: Sendable, Hashable, Codable {
    /// The provider's id for the object.
    public var providerID: String
    /// The spec as the provider sees it now, in the canonical form the planner diffs.
    public var spec: FieldValue
    /// The outputs, by name (spec-v1 lists them per kind).
    public var outputs: [String: FieldValue]
    /// An opaque token that changes whenever the object does (a Kubernetes
    /// `resourceVersion`, an HTTP ETag); nil when the provider has none.
    public var revision: String?

    /// Creates an observation.
    public init(providerID: String, spec: FieldValue, outputs: [String: FieldValue], revision: String? = nil) {
        self.providerID = providerID
        self.spec = spec
        self.outputs = outputs
        self.revision = revision
    }
}

extension FieldValue {
    /// This map with the top-level keys it lacks taken from `recorded`: how an observation
    /// that leaves out what its provider cannot see is read against the recorded spec.
    public func completed(from recorded: FieldValue) -> FieldValue {
        guard case .map(let entries) = self, case .map(let old) = recorded else { return self }
        let present = Set(entries.map(\.key))
        let missing = old.filter { !present.contains($0.key) }
        guard !missing.isEmpty else { return self }
        return .map((entries + missing).sorted { $0.key < $1.key })
    }
}
