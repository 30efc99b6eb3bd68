/// What one provider call does to an object: the one operation type that plans, the
/// journal, providers, events and reports share.
public enum ResourceOperation: String, Sendable, Hashable, Codable, CaseIterable {
    /// Create an object.
    case create
    /// Change an object in place.
    case update
    /// Delete an object.
    case delete

    /// The past tense, for events: `created`, `updated`, `deleted`.
    public var pastTense: String {
        switch self {
        case .create: "created"
        case .update: "updated"
        case .delete: "deleted"
        }
    }
}
