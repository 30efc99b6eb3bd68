/// The counts of a plan, as in `Plan: 3 to add, 1 to change, 1 to replace, 0 to destroy.`
public struct PlanSummary: Sendable, Hashable, Codable {
    /// Resources to create.
    public var add: Int
    /// Resources to update in place.
    public var change: Int
    /// Resources to replace.
    public var replace: Int
    /// Resources to delete.
    public var destroy: Int

    /// Counts the actions of `changes`.
    public init(_ changes: [ResourceChange]) {
        add = changes.count { $0.action == .create }
        change = changes.count { $0.action == .update }
        replace = changes.count { $0.action == .replace }
        destroy = changes.count { $0.action == .delete }
    }

    /// Whether there is nothing to do.
    public var isEmpty: Bool { add + change + replace + destroy == 0 }

    /// The summary line.
    public var line: String {
        isEmpty
            ? "No changes. Infrastructure matches the spec."
            : "Plan: \(add) to add, \(change) to change, \(replace) to replace, \(destroy) to destroy."
    }
}
