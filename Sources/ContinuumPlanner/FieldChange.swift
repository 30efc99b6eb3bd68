public import ContinuumSpec

/// One changed field of a resource: its path, old and new value.
public struct FieldChange: Sendable, Hashable, Codable {
    /// The field's path, such as `spec.memory`.
    public var path: FieldPath
    /// The recorded value; nil when the field is new.
    public var before: FieldValue?
    /// The desired value; nil when the field is removed, `.unknown` when known only after apply.
    public var after: FieldValue?
    /// Whether this change alone forces a replace.
    public var forcesReplacement: Bool

    /// Creates a field change.
    public init(path: FieldPath, before: FieldValue?, after: FieldValue?, forcesReplacement: Bool = false) {
        self.path = path
        self.before = before
        self.after = after
        self.forcesReplacement = forcesReplacement
    }
}
