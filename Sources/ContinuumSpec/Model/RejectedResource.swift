/// A document whose identity could be read but whose body has errors: it is left out
/// of the graph, but references to it are not reported as dangling, and its own
/// references are still checked, so one run reports every error.
public struct RejectedResource: Sendable, Hashable {
    /// `Kind/name`.
    public var id: ResourceID
    /// The references it makes.
    public var references: [SpecReference]

    /// Creates a rejected resource.
    public init(id: ResourceID, references: [SpecReference]) {
        self.id = id
        self.references = references
    }
}
