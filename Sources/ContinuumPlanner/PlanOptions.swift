/// Choices that change what a plan contains.
public struct PlanOptions: Sendable, Hashable {
    /// Delete recorded resources that are gone from the spec (default on, as in Flux).
    public var prune: Bool

    /// Creates options.
    public init(prune: Bool = true) {
        self.prune = prune
    }
}
