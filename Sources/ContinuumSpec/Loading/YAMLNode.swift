/// A YAML node with its place in the file, as the spec decoder reads it: scalars keep
/// their source text and style, so each field's schema type decides what they mean.
public struct YAMLNode: Sendable {
    /// How a scalar was written.
    public enum ScalarStyle: Sendable, Hashable {
        /// Bare text, such as `on` or `1.30`.
        case plain
        /// `'single'` or `"double"` quoted.
        case quoted
        /// A `|` literal or `>` folded block.
        case block
    }

    /// What a node holds.
    public enum Content: Sendable {
        /// A scalar's text and style.
        case scalar(String, ScalarStyle)
        /// A sequence's items.
        case sequence([YAMLNode])
        /// A mapping's pairs, in source order.
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    /// What the node holds.
    public var content: Content
    /// Where the node starts.
    public var location: SourceLocation

    /// Creates a node.
    public init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    /// Whether the node is YAML's null: an empty plain scalar, `~` or `null`.
    public var isNull: Bool {
        guard case .scalar(let text, .plain) = content else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// The scalar's text, when the node is a scalar.
    public var scalarText: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// A word for the node's type in messages ("a mapping", "a list", "a string").
    public var typeDescription: String {
        switch content {
        case .scalar(_, .plain): isNull ? "null" : "a plain scalar"
        case .scalar: "a string"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}
