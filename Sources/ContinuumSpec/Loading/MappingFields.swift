/// The fields of one YAML mapping, by key, in source order.
struct MappingFields {
    /// Where the mapping starts.
    let location: SourceLocation
    private(set) var entries: [(key: String, value: YAMLNode)] = []
    private(set) var keyNodes: [(key: String, node: YAMLNode)] = []
    private var index = KeyIndex()

    init(location: SourceLocation) {
        self.location = location
    }

    /// Adds a field; the caller has checked that `key` is not there yet.
    mutating func insert(_ key: String, keyNode: YAMLNode, value: YAMLNode) {
        index.append(key)
        entries.append((key, value))
        keyNodes.append((key, keyNode))
    }

    /// The value under `key`; a null value counts as absent for optional fields.
    subscript(key: String) -> YAMLNode? {
        index.position(of: key).map { entries[$0].value }
    }

    /// The value under `key` unless it is absent or null.
    func present(_ key: String) -> YAMLNode? {
        guard let node = self[key], !node.isNull else { return nil }
        return node
    }
}
