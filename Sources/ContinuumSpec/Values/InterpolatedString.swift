/// A string that may embed outputs of other resources: `${Kind/name.outputs.FIELD}`.
/// `$${` stands for a literal `${`.
public struct InterpolatedString: Sendable, Hashable, TextCodable, CustomStringConvertible {
    /// One piece of the string.
    public enum Part: Sendable, Hashable {
        /// Text taken as it is.
        case literal(String)
        /// An output of another resource, filled in once it exists.
        case output(ResourceID, String)
    }

    /// The pieces, in order; adjacent literals are merged.
    public let parts: [Part]
    /// The text as written, escapes included.
    public let source: String

    /// The outputs this string uses.
    public var outputReferences: [(resource: ResourceID, field: String)] {
        parts.compactMap { if case .output(let id, let field) = $0 { (id, field) } else { nil } }
    }

    /// Whether any part is an output (otherwise the string is a plain literal).
    public var hasOutputs: Bool { parts.contains { if case .output = $0 { true } else { false } } }

    /// The literal text when there are no outputs.
    public var literalValue: String? {
        if hasOutputs { return nil }
        return parts.map { if case .literal(let text) = $0 { text } else { "" } }.joined()
    }

    /// Parses the text; errors carry the character offset of the problem within the text.
    public static func parse(_ text: String) -> Result<InterpolatedString, InterpolationError> {
        var parts: [Part] = []
        var literal = ""
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func flush() {
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = ""
        }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "$", index + 2 < scalars.count, scalars[index + 1] == "$", scalars[index + 2] == "{" {
                literal += "${"
                index += 3
                continue
            }
            guard scalar == "$", index + 1 < scalars.count, scalars[index + 1] == "{" else {
                literal.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            guard let close = scalars[(index + 2)...].firstIndex(of: "}") else {
                return .failure(InterpolationError(offset: index, message: "unclosed '${'; close it with '}', or write '$${' for a literal '${'"))
            }
            var body = ""
            body.unicodeScalars.append(contentsOf: scalars[(index + 2)..<close])
            switch parseReference(body) {
            case .success(let (id, field)):
                flush()
                parts.append(.output(id, field))
            case .failure(let failure):
                return .failure(InterpolationError(offset: index, message: failure.message))
            }
            index = close + 1
        }
        flush()
        return .success(InterpolatedString(parts: parts, source: text))
    }

    /// Text taken as it is, with no outputs in it (`${` in it is written `$${` in `source`).
    public static func literal(_ text: String) -> InterpolatedString {
        InterpolatedString(parts: text.isEmpty ? [] : [.literal(text)], source: text.replacing("${", with: "$${"))
    }

    private init(parts: [Part], source: String) {
        self.parts = parts
        self.source = source
    }

    private static func parseReference(_ body: String) -> Result<(ResourceID, String), InterpolationError> {
        let pieces = body.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard pieces.count == 3, pieces[1] == "outputs" else {
            return .failure(.init(offset: 0, message: "'${\(body)}' is not an output reference; write ${Kind/name.outputs.FIELD}, for example ${Network/fra-edge.outputs.gateway}"))
        }
        let id: ResourceID
        switch ResourceID.parse(pieces[0]) {
        case .success(let parsed): id = parsed
        case .failure(let error): return .failure(.init(offset: 0, message: "in '${\(body)}': \(error)"))
        }
        let field = pieces[2]
        guard id.kind.outputs.contains(field) else {
            let known = id.kind.outputs.isEmpty ? "it has no outputs" : "its outputs are \(id.kind.outputs.joined(separator: ", "))"
            return .failure(.init(offset: 0, message: "\(id.kind.rawValue) has no output '\(field)'\(NameSuggester.hint(for: field, in: id.kind.outputs)); \(known)"))
        }
        return .success((id, field))
    }

    /// Fills in the outputs with `lookup`; nil when any output is not known yet.
    public func resolved(_ lookup: (ResourceID, String) -> String?) -> String? {
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .output(let id, let field):
                guard let value = lookup(id, field) else { return nil }
                result += value
            }
        }
        return result
    }

    public var description: String { source }

}

/// Why a string's interpolation is invalid, and where in the string.
public struct InterpolationError: Error, Sendable, Hashable {
    /// The offset, in Unicode scalars, of the `${` at fault.
    public var offset: Int
    /// What is wrong and what would be right.
    public var message: String
}

extension InterpolatedString {
    /// The text as written, escapes included.
    public var codingText: String { source }

    /// Parses the stored text.
    public static func parse(codingText text: String) -> InterpolatedString? { try? parse(text).get() }
}
