/// A resource's identity, `Kind/name`, unique in a spec repository.
public struct ResourceID: Sendable, Hashable, TextCodable, Comparable, CustomStringConvertible {
    /// The resource's kind.
    public var kind: ResourceKind
    /// The resource's `metadata.name`.
    public var name: String

    /// Creates an identity.
    public init(_ kind: ResourceKind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    /// Parses `Kind/name`; nil when the text has no `/`, an unknown kind or an invalid name.
    public init?(parsing text: String) {
        guard case .success(let id) = Self.parse(text) else { return nil }
        self = id
    }

    /// Parses `Kind/name`, saying what is wrong when it is not one.
    public static func parse(_ text: String) -> Result<ResourceID, ResourceIDError> {
        guard let slash = text.firstIndex(of: "/") else { return .failure(.missingSlash(text)) }
        let kindText = String(text[..<slash])
        let name = String(text[text.index(after: slash)...])
        guard let kind = ResourceKind(rawValue: kindText) else { return .failure(.unknownKind(kindText)) }
        if let problem = DNSLabel.problem(with: name) { return .failure(.invalidName(name, problem)) }
        return .success(ResourceID(kind, name))
    }

    /// `Kind/name`.
    public var description: String { "\(kind.rawValue)/\(name)" }

    public static func < (lhs: ResourceID, rhs: ResourceID) -> Bool {
        lhs.kind == rhs.kind ? lhs.name < rhs.name : lhs.kind < rhs.kind
    }

}

/// Why a text is not a `Kind/name` reference.
public enum ResourceIDError: Error, Sendable, Hashable, CustomStringConvertible {
    /// There is no `/` between kind and name.
    case missingSlash(String)
    /// The kind is not one of spec-v1's kinds.
    case unknownKind(String)
    /// The name is not a DNS-1123 label.
    case invalidName(String, String)

    public var description: String {
        switch self {
        case .missingSlash(let text):
            "'\(text)' is not a reference; write Kind/name, for example Network/fra-edge"
        case .unknownKind(let kind):
            "unknown kind '\(kind)'\(NameSuggester.hint(for: kind, in: ResourceKind.allCases.map(\.rawValue))); kinds are \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", "))"
        case .invalidName(let name, let problem):
            "invalid name '\(name)': \(problem)"
        }
    }
}

extension ResourceID {
    /// `Kind/name`.
    public var codingText: String { description }

    /// Parses the stored text.
    public static func parse(codingText text: String) -> ResourceID? { ResourceID(parsing: text) }
}
