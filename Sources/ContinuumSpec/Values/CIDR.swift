import Foundation

/// An IPv4 or IPv6 network in CIDR notation, such as `10.20.0.0/24` or `2001:db8::/48`.
public struct CIDR: Sendable, Hashable, TextCodable, CustomStringConvertible {
    /// The address family.
    public enum Family: String, Sendable, Hashable, Codable {
        /// IPv4, 4 bytes.
        case ipv4
        /// IPv6, 16 bytes.
        case ipv6
    }

    /// The address family.
    public let family: Family
    /// The network address, 4 or 16 bytes, host bits zero.
    public let address: [UInt8]
    /// The prefix length.
    public let prefixLength: Int
    /// The text as written.
    public let text: String

    /// Parses a CIDR; host bits must be zero (`10.20.0.5/24` is refused with the right network).
    public static func parse(_ text: String) -> Result<CIDR, CIDRError> {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, let prefix = Int(pieces[1]), pieces[1].allSatisfy(\.isASCII) else {
            return .failure(.malformed(text))
        }
        let family: Family
        let bytes: [UInt8]
        if let v4 = parseIPv4(pieces[0]) {
            (family, bytes) = (.ipv4, v4)
        } else if let v6 = parseIPv6(pieces[0]) {
            (family, bytes) = (.ipv6, v6)
        } else {
            return .failure(.malformed(text))
        }
        let maximum = bytes.count * 8
        guard (0...maximum).contains(prefix) else { return .failure(.prefixOutOfRange(text, maximum)) }
        var network = bytes
        for bit in prefix..<maximum {
            network[bit / 8] &= ~(UInt8(0x80) >> UInt8(bit % 8))
        }
        if network != bytes {
            return .failure(.hostBitsSet(text, format(network, family) + "/\(prefix)"))
        }
        return .success(CIDR(family: family, address: bytes, prefixLength: prefix, text: text))
    }

    private init(family: Family, address: [UInt8], prefixLength: Int, text: String) {
        self.family = family
        self.address = address
        self.prefixLength = prefixLength
        self.text = text
    }

    public var description: String { text }

    static func parseIPv4<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy({ $0.isASCII && $0.isNumber }),
                octet.count == 1 || octet.first != "0", let value = UInt8(octet)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseIPv6<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    /// The text of an address of `family`.
    public static func format(_ bytes: [UInt8], _ family: Family) -> String {
        switch family {
        case .ipv4:
            return bytes.map(String.init).joined(separator: ".")
        case .ipv6:
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        }
    }

}

/// Why a text is not a CIDR.
public enum CIDRError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not `address/prefix` with a valid IPv4 or IPv6 address.
    case malformed(String)
    /// The prefix is longer than the address.
    case prefixOutOfRange(String, Int)
    /// The address has bits set beyond the prefix.
    case hostBitsSet(String, String)

    public var description: String {
        switch self {
        case .malformed(let text):
            "'\(text)' is not a CIDR; write an IPv4 or IPv6 network like 10.20.0.0/24 or 2001:db8::/48"
        case .prefixOutOfRange(let text, let maximum):
            "'\(text)' has a prefix length outside 0...\(maximum)"
        case .hostBitsSet(let text, let network):
            "'\(text)' has host bits set; did you mean '\(network)'?"
        }
    }
}

extension CIDR {
    /// The text as written.
    public var codingText: String { text }

    /// Parses the stored text.
    public static func parse(codingText text: String) -> CIDR? { try? parse(text).get() }
}
