import Foundation

/// `FieldValue` is stored as JSON: each value is an object with one key naming its type,
/// for example `{"quantity": "4Gi"}` or `{"map": {"cpu": {"integer": 2}}}`.
extension FieldValue: Codable {
    private enum Tag: String, CodingKey {
        case string, integer, number, boolean, quantity, reference, template, secret, list, map, unknown
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Tag.self)
        guard let tag = container.allKeys.first, container.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a field value has exactly one type key"))
        }
        switch tag {
        case .string: self = .string(try container.decode(String.self, forKey: tag))
        case .integer: self = .integer(try container.decode(Int.self, forKey: tag))
        case .number: self = .number(try container.decode(Double.self, forKey: tag))
        case .boolean: self = .boolean(try container.decode(Bool.self, forKey: tag))
        case .quantity: self = .quantity(try container.decode(Quantity.self, forKey: tag))
        case .reference: self = .reference(try container.decode(ResourceID.self, forKey: tag))
        case .template: self = .template(try container.decode(InterpolatedString.self, forKey: tag))
        case .secret: self = .secret(try container.decode(SecretReference.self, forKey: tag))
        case .list: self = .list(try container.decode([FieldValue].self, forKey: tag))
        case .unknown: self = .unknown
        case .map:
            let nested = try container.nestedContainer(keyedBy: Key.self, forKey: tag)
            let entries = try nested.allKeys.map { Entry($0.stringValue, try nested.decode(FieldValue.self, forKey: $0)) }
            self = .map(entries.sorted { $0.key < $1.key })
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Tag.self)
        switch self {
        case .string(let value): try container.encode(value, forKey: .string)
        case .integer(let value): try container.encode(value, forKey: .integer)
        case .number(let value): try container.encode(value, forKey: .number)
        case .boolean(let value): try container.encode(value, forKey: .boolean)
        case .quantity(let value): try container.encode(value, forKey: .quantity)
        case .reference(let value): try container.encode(value, forKey: .reference)
        case .template(let value): try container.encode(value, forKey: .template)
        case .secret(let value): try container.encode(value, forKey: .secret)
        case .list(let value): try container.encode(value, forKey: .list)
        case .unknown: try container.encodeNil(forKey: .unknown)
        case .map(let entries):
            var nested = container.nestedContainer(keyedBy: Key.self, forKey: .map)
            for entry in entries { try nested.encode(entry.value, forKey: Key(stringValue: entry.key)) }
        }
    }
}
