/// What the planner decided for one resource.
public enum ChangeAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not recorded yet: create it.
    case create
    /// Recorded and changed in ways that can be applied in place.
    case update
    /// Recorded and changed in a way that needs a new object (see `ReplaceOrder`).
    case replace
    /// Recorded but gone from the spec: delete it (only when pruning).
    case delete
    /// Nothing to do.
    case noop = "no-op"
}

/// The order of the two halves of a replace.
public enum ReplaceOrder: String, Sendable, Hashable, Codable {
    /// Delete the old object, then create the new one (`-/+`).
    case destroyBeforeCreate = "destroy-before-create"
    /// Create the new object, then delete the old one (`+/-`).
    case createBeforeDestroy = "create-before-destroy"
}
