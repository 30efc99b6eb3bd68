/// Collects diagnostics while one file's documents are decoded, and reads typed values
/// from YAML nodes by the schema's type for each field (spec-v1 "Values").
final class DecodingContext {
    /// Everything found so far.
    private(set) var diagnostics: [Diagnostic] = []

    /// Records an error at a node.
    func error(_ node: YAMLNode, _ path: FieldPath, _ message: String) {
        diagnostics.append(Diagnostic(at: node.location, path.text.isEmpty ? message : "\(path): \(message)"))
    }

    /// Records an error at a location.
    func error(at location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(at: location, message))
    }

    /// The fields of a mapping node, after reporting duplicate keys, unknown keys (with the
    /// closest valid one) and missing required keys. Nil when the node is not a mapping.
    func fields(of node: YAMLNode, at path: FieldPath, allowed: [String], required: [String] = []) -> MappingFields? {
        guard let fields = anyFields(of: node, at: path) else { return nil }
        var misspelt: Set<String> = []
        for (key, keyNode) in fields.keyNodes where !allowed.contains(key) {
            let suggestion = NameSuggester.closest(to: key, in: allowed)
            if let suggestion { misspelt.insert(suggestion) }
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            error(keyNode, path.appending(key), "unknown field '\(key)'\(hint); valid fields are \(allowed.joined(separator: ", "))")
        }
        for key in required where (fields[key] == nil || fields[key]?.isNull == true) && !misspelt.contains(key) {
            error(node, path, "missing required field '\(key)'")
        }
        return fields
    }

    /// The fields of a mapping node with any keys (labels, provider config).
    func anyFields(of node: YAMLNode, at path: FieldPath) -> MappingFields? {
        guard case .mapping(let pairs) = node.content else {
            error(node, path, "expected a mapping, got \(node.typeDescription)")
            return nil
        }
        var fields = MappingFields(location: node.location)
        for (keyNode, value) in pairs {
            guard let key = keyNode.scalarText, keyNode.content.isScalar else {
                error(keyNode, path, "mapping keys must be plain strings")
                continue
            }
            if key == "<<" {
                error(keyNode, path, "YAML merge keys ('<<') are not supported; write the fields out, or use an alias for a whole value")
                continue
            }
            if fields[key] != nil {
                error(keyNode, path.appending(key), "duplicate key '\(key)'; each key may appear once")
                continue
            }
            fields.insert(key, keyNode: keyNode, value: value)
        }
        return fields
    }

    /// The items of a sequence node.
    func items(of node: YAMLNode, at path: FieldPath) -> [YAMLNode]? {
        guard case .sequence(let items) = node.content else {
            error(node, path, "expected a list, got \(node.typeDescription)")
            return nil
        }
        return items
    }

    /// Any scalar's text (plain, quoted or block) as a string.
    func string(_ node: YAMLNode, at path: FieldPath) -> String? {
        guard case .scalar(let text, _) = node.content, !node.isNull else {
            error(node, path, "expected a string, got \(node.typeDescription)")
            return nil
        }
        return text
    }

    /// A string that may hold `${Kind/name.outputs.FIELD}` interpolations.
    func template(_ node: YAMLNode, at path: FieldPath) -> InterpolatedString? {
        guard let text = string(node, at: path) else { return nil }
        switch InterpolatedString.parse(text) {
        case .success(let value):
            return value
        case .failure(let failure):
            error(at: Self.location(of: failure.offset, in: node, text: text), "\(path): \(failure.message)")
            return nil
        }
    }

    /// A plain integer within `range`.
    func integer(_ node: YAMLNode, at path: FieldPath, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let text, let style) = node.content, style == .plain, !node.isNull,
            let value = Self.parseInteger(text)
        else {
            error(node, path, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(Self.describe(node))")
            return nil
        }
        guard range.contains(value) else {
            error(node, path, "\(value) is out of range; it must be from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    /// A plain integer from a fixed set of choices (`controlPlane.replicas`: 1, 3 or 5).
    func integer(_ node: YAMLNode, at path: FieldPath, oneOf choices: [Int]) -> Int? {
        let list = choices.map(String.init).joined(separator: ", ")
        guard case .scalar(let text, .plain) = node.content, let value = Self.parseInteger(text) else {
            error(node, path, "expected one of \(list), got \(Self.describe(node))")
            return nil
        }
        guard choices.contains(value) else {
            error(node, path, "\(value) is not allowed; it must be one of \(list)")
            return nil
        }
        return value
    }

    /// A plain decimal number greater than zero.
    func positiveNumber(_ node: YAMLNode, at path: FieldPath) -> Double? {
        guard case .scalar(let text, .plain) = node.content, let value = Double(text), value.isFinite,
            text.allSatisfy({ $0.isNumber || $0 == "." })
        else {
            error(node, path, "expected a number greater than 0, got \(Self.describe(node))")
            return nil
        }
        guard value > 0 else {
            error(node, path, "\(text) must be greater than 0")
            return nil
        }
        return value
    }

    /// A plain `true` or `false` (YAML 1.2: `yes`, `on` and friends are not booleans).
    func boolean(_ node: YAMLNode, at path: FieldPath) -> Bool? {
        guard case .scalar(let text, .plain) = node.content, text == "true" || text == "false" else {
            error(node, path, "expected true or false, got \(Self.describe(node))")
            return nil
        }
        return text == "true"
    }

    /// One word from a fixed set, matched exactly (`power: on`).
    func choice<Choice: RawRepresentable & CaseIterable>(_ node: YAMLNode, at path: FieldPath, as type: Choice.Type) -> Choice?
    where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        guard case .scalar(let text, _) = node.content, !node.isNull else {
            error(node, path, "expected one of \(names.joined(separator: ", ")), got \(Self.describe(node))")
            return nil
        }
        guard let value = Choice(rawValue: text) else {
            error(node, path, "'\(text)' is not valid\(NameSuggester.hint(for: text, in: names)); it must be one of \(names.joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// A quantity (`4Gi`, `512Mi`, or bytes).
    func quantity(_ node: YAMLNode, at path: FieldPath) -> Quantity? {
        guard case .scalar(let text, let style) = node.content, style != .block, !node.isNull else {
            error(node, path, "expected a quantity such as 4Gi, got \(Self.describe(node))")
            return nil
        }
        switch Quantity.parse(text) {
        case .success(let value): return value
        case .failure(let failure):
            error(node, path, failure.description)
            return nil
        }
    }

    /// A CIDR.
    func cidr(_ node: YAMLNode, at path: FieldPath) -> CIDR? {
        guard let text = string(node, at: path) else { return nil }
        switch CIDR.parse(text) {
        case .success(let value): return value
        case .failure(let failure):
            error(node, path, failure.description)
            return nil
        }
    }

    /// A DNS-1123 name (resource, provider or pool name).
    func name(_ node: YAMLNode, at path: FieldPath) -> String? {
        guard let text = string(node, at: path) else { return nil }
        if let problem = DNSLabel.problem(with: text) {
            error(node, path, "invalid name '\(text)': \(problem)")
            return nil
        }
        return text
    }

    /// A `Kind/name` reference, which must be of one of `kinds`.
    func reference(_ node: YAMLNode, at path: FieldPath, kinds: [ResourceKind]) -> ResourceID? {
        guard let text = string(node, at: path) else { return nil }
        switch ResourceID.parse(text) {
        case .success(let id):
            guard kinds.contains(id.kind) else {
                let expected = kinds.map(\.rawValue).joined(separator: " or ")
                error(node, path, "'\(text)' is a \(id.kind.rawValue); this field takes a \(expected) reference")
                return nil
            }
            return id
        case .failure(let failure):
            error(node, path, failure.description)
            return nil
        }
    }

    /// A secret reference: `{fromEnv: VAR}` or `{fromFile: /path}`; a literal is refused.
    func secret(_ node: YAMLNode, at path: FieldPath) -> SecretReference? {
        guard case .mapping = node.content else {
            error(node, path, "a credential must be a secret reference such as {fromEnv: VAR} or {fromFile: /path}, never a literal value; secrets are never written in a spec")
            return nil
        }
        guard let fields = fields(of: node, at: path, allowed: ["fromEnv", "fromFile"]) else { return nil }
        switch (fields["fromEnv"], fields["fromFile"]) {
        case (let variable?, nil):
            return string(variable, at: path.appending("fromEnv")).map(SecretReference.fromEnv)
        case (nil, let file?):
            return string(file, at: path.appending("fromFile")).map(SecretReference.fromFile)
        default:
            error(node, path, "a secret reference has exactly one of fromEnv or fromFile")
            return nil
        }
    }

    /// A mapping of strings to strings (labels, annotations, matchLabels).
    func stringMap(_ node: YAMLNode, at path: FieldPath) -> [String: String] {
        guard let fields = anyFields(of: node, at: path) else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in fields.entries {
            if let text = string(value, at: path.appending(key)) { result[key] = text }
        }
        return result
    }

    static func parseInteger(_ text: String) -> Int? {
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    static func describe(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar(let text, .quoted): "the quoted string \(FieldValue.quoted(text))"
        case .scalar(let text, _): node.isNull ? "null" : "'\(text)'"
        default: node.typeDescription
        }
    }

    /// Where offset `offset` of a scalar's text is: exact for single-line plain and quoted
    /// scalars, the scalar's start otherwise.
    static func location(of offset: Int, in node: YAMLNode, text: String) -> SourceLocation {
        guard case .scalar(_, let style) = node.content, style != .block, !text.contains("\n") else { return node.location }
        var location = node.location
        location.column += offset + (style == .quoted ? 1 : 0)
        return location
    }
}

extension YAMLNode.Content {
    var isScalar: Bool {
        if case .scalar = self { return true }
        return false
    }
}
