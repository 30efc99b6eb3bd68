public import ContinuumSpec

/// A resource the plan leaves alone this time because its live state is not known: its
/// provider could not be read, an interrupted operation on it is not settled yet, or it
/// depends on such a resource. It is planned again on the next run.
public struct HeldResource: Sendable, Hashable, Codable {
    /// The resource.
    public var id: ResourceID
    /// Why it is held, in a sentence a person can act on.
    public var reason: String

    /// Creates a held resource.
    public init(id: ResourceID, reason: String) {
        self.id = id
        self.reason = reason
    }
}
