/// How field values read in plans: strings quoted, quantities and references bare,
/// secrets as `(sensitive)`, unknowns as `(known after apply)`.
extension FieldValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .string(let text): Self.quoted(text)
        case .integer(let value): String(value)
        case .number(let value): value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .boolean(let value): String(value)
        case .quantity(let value): value.text
        case .reference(let id): id.description
        case .template(let text): Self.quoted(text.source)
        case .secret: "(sensitive)"
        case .unknown: "(known after apply)"
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries): "{" + entries.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    /// A string in double quotes with control characters, quotes and backslashes escaped,
    /// so that a value always stays on one line.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
