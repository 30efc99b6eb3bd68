import ContinuumSpec

/// Addresses in a network's CIDR: the gateway is the first host, machines follow.
enum SimAddressing {
    /// The `offset`-th address after the network address, or nil when the network is too small.
    static func host(_ offset: Int, in cidr: CIDR) -> String? {
        let hostBits = cidr.address.count * 8 - cidr.prefixLength
        guard offset > 0, hostBits >= 63 || offset < (1 << hostBits) - (cidr.family == .ipv4 ? 1 : 0) else { return nil }
        var bytes = cidr.address
        var carry = offset
        var index = bytes.count - 1
        while carry > 0, index >= 0 {
            let sum = Int(bytes[index]) + carry % 256
            bytes[index] = UInt8(sum % 256)
            carry = carry / 256 + sum / 256
            index -= 1
        }
        return CIDR.format(bytes, cidr.family)
    }
}
