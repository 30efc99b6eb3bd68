/// A dotted path to a field of a resource, such as `spec.memory` or `spec.disks[0].size`.
public struct FieldPath: Sendable, Hashable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The path's text.
    public var text: String

    /// Creates a path from its text.
    public init(_ text: String) { self.text = text }

    /// Creates a path from a literal such as `"spec.cpu"`.
    public init(stringLiteral value: String) { self.text = value }

    /// The path of a member field.
    public func appending(_ key: String) -> FieldPath { FieldPath(text.isEmpty ? key : "\(text).\(key)") }

    /// The path of a whole document, whose members print without a prefix.
    public static let root = FieldPath("")

    /// The path of a list element.
    public func appending(index: Int) -> FieldPath { FieldPath("\(text)[\(index)]") }

    /// Whether `self` is `other` or lies below it (`spec.disks[0].size` is within `spec.disks`).
    public func isWithin(_ other: FieldPath) -> Bool {
        guard text.hasPrefix(other.text) else { return false }
        if text.count == other.text.count { return true }
        let next = text[text.index(text.startIndex, offsetBy: other.text.count)]
        return next == "." || next == "["
    }

    public var description: String { text }

    public static func < (lhs: FieldPath, rhs: FieldPath) -> Bool { lhs.text < rhs.text }

    public init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
