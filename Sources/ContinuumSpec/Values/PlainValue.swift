/// A field value as plain JSON (the API, external providers' config): strings, numbers and booleans as themselves,
/// quantities as their text, references as `Kind/name`, secrets as `(sensitive)`,
/// values not known yet as null.
public struct PlainValue: Sendable, Encodable {
    /// The value.
    public var value: FieldValue

    /// Wraps a value.
    public init(_ value: FieldValue) {
        self.value = value
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        switch value {
        case .map(let entries):
            var container = encoder.container(keyedBy: Key.self)
            for entry in entries { try container.encode(PlainValue(entry.value), forKey: Key(stringValue: entry.key)) }
        case .list(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(PlainValue(item)) }
        default:
            var container = encoder.singleValueContainer()
            switch value {
            case .string(let text): try container.encode(text)
            case .integer(let number): try container.encode(number)
            case .number(let number): try container.encode(number)
            case .boolean(let flag): try container.encode(flag)
            case .quantity(let quantity): try container.encode(quantity.text)
            case .reference(let id): try container.encode(id.description)
            case .template(let template): try container.encode(template.source)
            case .secret(let secret): try container.encode(secret.description)
            case .unknown, .list, .map: try container.encodeNil()
            }
        }
    }
}
