/// A value stored (in state and plans) as its text and read back by parsing it, such as
/// `4Gi`, `10.20.0.0/24` or `Network/fra-edge`.
public protocol TextCodable: Codable {
    /// The text the value is stored as.
    var codingText: String { get }
    /// The value `text` stands for, or nil when it stands for none.
    static func parse(codingText text: String) -> Self?
}

extension TextCodable {
    /// Decodes the value from its text.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self.parse(codingText: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a valid \(Self.self)"))
        }
        self = value
    }

    /// Encodes the value as its text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(codingText)
    }
}
