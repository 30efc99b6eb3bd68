public import ContinuumSpec

/// Choices that change what a plan contains.
public struct PlanOptions: Sendable, Hashable {
    /// Delete recorded resources that are gone from the spec (default on, as in Flux).
    public var prune: Bool
    /// Fields each provider cannot change in place, beyond spec-v1's: provider name to
    /// kind to paths (from `Provider.immutableFields(of:)`).
    public var providerImmutableFields: [String: [ResourceKind: [FieldPath]]]
    /// Resources whose live state is unknown, with why: they and everything that depends
    /// on them get no action this time, and the plan lists them as held.
    public var held: [ResourceID: String]

    /// Creates options.
    public init(prune: Bool = true, providerImmutableFields: [String: [ResourceKind: [FieldPath]]] = [:], held: [ResourceID: String] = [:]) {
        self.prune = prune
        self.providerImmutableFields = providerImmutableFields
        self.held = held
    }
}
