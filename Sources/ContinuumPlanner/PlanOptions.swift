public import ContinuumSpec

/// Choices that change what a plan contains.
public struct PlanOptions: Sendable, Hashable {
    /// Delete recorded resources that are gone from the spec (default on, as in Flux).
    public var prune: Bool
    /// Fields each provider cannot change in place, beyond spec-v1's: provider name to
    /// kind to paths (from `Provider.immutableFields(of:)`).
    public var providerImmutableFields: [String: [ResourceKind: [FieldPath]]]

    /// Creates options.
    public init(prune: Bool = true, providerImmutableFields: [String: [ResourceKind: [FieldPath]]] = [:]) {
        self.prune = prune
        self.providerImmutableFields = providerImmutableFields
    }
}
