/// The canonical, typed value of a resource field: what the planner diffs, the state
/// store records and the renderers show. Maps keep their keys sorted, so equal specs
/// give equal values whatever order they were written in.
public indirect enum FieldValue: Sendable, Hashable {
    /// Free text.
    case string(String)
    /// A whole number.
    case integer(Int)
    /// A decimal number.
    case number(Double)
    /// `true` or `false`.
    case boolean(Bool)
    /// An amount of bytes.
    case quantity(Quantity)
    /// A `Kind/name` reference to another resource.
    case reference(ResourceID)
    /// A string with `${...}` outputs of other resources in it.
    case template(InterpolatedString)
    /// A credential's source; shown only as `(sensitive)`.
    case secret(SecretReference)
    /// A list.
    case list([FieldValue])
    /// A map with sorted keys.
    case map([Entry])
    /// A value that is known only after apply (an output of a resource not yet created).
    case unknown

    /// One key and value of a map.
    public struct Entry: Sendable, Hashable {
        /// The key.
        public var key: String
        /// The value.
        public var value: FieldValue

        /// Creates an entry.
        public init(_ key: String, _ value: FieldValue) {
            self.key = key
            self.value = value
        }
    }

    /// A map from entries, sorted by key; nil values are left out.
    public static func object(_ pairs: [(String, FieldValue?)]) -> FieldValue {
        .map(pairs.compactMap { key, value in value.map { Entry(key, $0) } }.sorted { $0.key < $1.key })
    }

    /// The value under `key` in a map.
    public subscript(key: String) -> FieldValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// Whether this value, or any value inside it, is a secret reference.
    public var containsSecret: Bool {
        switch self {
        case .secret: true
        case .list(let items): items.contains(where: \.containsSecret)
        case .map(let entries): entries.contains { $0.value.containsSecret }
        default: false
        }
    }

    /// Whether this value is a scalar (neither list nor map).
    public var isScalar: Bool {
        switch self {
        case .list, .map: false
        default: true
        }
    }
}
