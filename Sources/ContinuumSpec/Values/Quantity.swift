/// An amount of bytes in Kubernetes notation: `512Mi`, `4Gi`, `1Ti`, `100G`, or a plain
/// integer of bytes. Two quantities are equal when they are the same number of bytes
/// (`4Gi` equals `4096Mi`); the text is kept for display.
public struct Quantity: Sendable, Hashable, TextCodable, Comparable, CustomStringConvertible {
    /// The number of bytes.
    public let bytes: Int64
    /// The text the quantity was written as.
    public let text: String

    /// The suffixes spec-v1 accepts and their multipliers.
    public static let suffixes: [(suffix: String, multiplier: Int64)] = [
        ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40), ("Pi", 1 << 50), ("Ei", 1 << 60),
        ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000), ("E", 1_000_000_000_000_000_000),
    ]

    /// Parses a quantity, saying what is wrong when the text is not one.
    public static func parse(_ text: String) -> Result<Quantity, QuantityError> {
        var digits = Substring(text)
        var multiplier: Int64 = 1
        for (suffix, value) in suffixes where text.hasSuffix(suffix) {
            digits = text.dropLast(suffix.count)
            multiplier = value
            break
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .failure(.malformed(text))
        }
        guard let number = Int64(digits) else { return .failure(.tooLarge(text)) }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
        if overflow { return .failure(.tooLarge(text)) }
        return .success(Quantity(bytes: bytes, text: text))
    }

    private init(bytes: Int64, text: String) {
        self.bytes = bytes
        self.text = text
    }

    /// A quantity of `bytes`, shown in the largest binary unit that divides it.
    public init(bytes: Int64) {
        self.bytes = bytes
        let binary = Self.suffixes.prefix(6).reversed()
        let unit = binary.first { bytes != 0 && bytes % $0.multiplier == 0 }
        self.text = unit.map { "\(bytes / $0.multiplier)\($0.suffix)" } ?? "\(bytes)"
    }

    public var description: String { text }

    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.bytes == rhs.bytes }

    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.bytes < rhs.bytes }

}

/// Why a text is not a quantity.
public enum QuantityError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not digits followed by an optional suffix.
    case malformed(String)
    /// More bytes than a 64-bit integer holds.
    case tooLarge(String)

    public var description: String {
        switch self {
        case .malformed(let text):
            "'\(text)' is not a quantity; write a whole number with an optional suffix Ki, Mi, Gi, Ti, Pi, Ei (binary) or k, M, G, T, P, E (decimal), for example 512Mi or 4Gi"
        case .tooLarge(let text):
            "'\(text)' is too large; the largest quantity is 8Ei"
        }
    }
}

extension Quantity {
    /// The text as written.
    public var codingText: String { text }

    /// Parses the stored text.
    public static func parse(codingText text: String) -> Quantity? { try? parse(text).get() }
}
