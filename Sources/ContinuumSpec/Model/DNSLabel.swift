/// The DNS-1123 label rule that resource names, pool names and label values follow:
/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
public enum DNSLabel {
    /// The longest valid label.
    public static let maximumLength = 63

    /// What is wrong with `name` as a DNS-1123 label, or nil when it is one.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "a name must not be empty" }
        let bytes = Array(name.utf8)
        if bytes.count > maximumLength {
            return "a name has at most \(maximumLength) characters, this one has \(bytes.count)"
        }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        for byte in bytes where !(isAlphanumeric(byte) || byte == UInt8(ascii: "-")) {
            return "a name may hold only lower-case letters, digits and '-' (DNS-1123 label), not '\(Character(Unicode.Scalar(byte)))'"
        }
        if let first = bytes.first, let last = bytes.last, !isAlphanumeric(first) || !isAlphanumeric(last) {
            return "a name must start and end with a lower-case letter or digit (DNS-1123 label)"
        }
        return nil
    }
}
