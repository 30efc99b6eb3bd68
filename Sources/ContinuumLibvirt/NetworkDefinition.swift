import ContinuumSpec
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The libvirt network Continuum defines for a `Network`: NAT with DHCP for IPv4 (the
/// gateway is the first host), routed IPv6; with a `vlan`, a port group on an Open vSwitch
/// bridge tagged with it. libvirt 9.0 has no metadata for networks, so the network's UUID,
/// derived from the idempotency key, is what makes it Continuum's.
struct NetworkDefinition {
    /// The XML to define.
    static func xml(name: String, uuid: String, cidr: CIDR, vlan: Int?, vlanBridge: String?) -> String {
        let escapedName = DomainDefinition.escape(name)
        if let vlan, let vlanBridge {
            return """
                <network>
                  <name>\(escapedName)</name>
                  <uuid>\(uuid)</uuid>
                  <forward mode='bridge'/>
                  <bridge name='\(DomainDefinition.escape(vlanBridge))'/>
                  <virtualport type='openvswitch'/>
                  <vlan><tag id='\(vlan)'/></vlan>
                </network>
                """
        }
        return """
            <network>
              <name>\(escapedName)</name>
              <uuid>\(uuid)</uuid>
              \(cidr.family == .ipv4 ? "<forward mode='nat'/>" : "<forward mode='route'/>")
              \(ip(cidr))
            </network>
            """
    }

    /// The first host address of the CIDR.
    static func gateway(_ cidr: CIDR) -> String { CIDR.format(offset(cidr.address, by: 1), cidr.family) }

    private static func ip(_ cidr: CIDR) -> String {
        let gateway = gateway(cidr)
        guard cidr.family == .ipv4 else { return "<ip family='ipv6' address='\(gateway)' prefix='\(cidr.prefixLength)'/>" }
        let hosts = 1 << (32 - cidr.prefixLength)
        guard hosts >= 8 else { return "<ip address='\(gateway)' prefix='\(cidr.prefixLength)'/>" }
        let start = CIDR.format(offset(cidr.address, by: 2), .ipv4), end = CIDR.format(offset(cidr.address, by: hosts - 2), .ipv4)
        return "<ip address='\(gateway)' prefix='\(cidr.prefixLength)'><dhcp><range start='\(start)' end='\(end)'/></dhcp></ip>"
    }

    private static func offset(_ address: [UInt8], by amount: Int) -> [UInt8] {
        var bytes = address
        var carry = amount
        for index in bytes.indices.reversed() where carry > 0 {
            let sum = Int(bytes[index]) + carry
            bytes[index] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        return bytes
    }

    /// What a network's XML says: its IPv4 CIDR and VLAN tag.
    struct Description {
        var ipv4: String?
        var isIPv6 = false
        var vlan: Int?
    }

    /// Reads a network's XML.
    static func describe(_ xml: String) -> Description? {
        guard let document = try? XMLDocument(xmlString: xml, options: []), let root = document.rootElement() else { return nil }
        var description = Description()
        if let tag = root.elements(forName: "vlan").first?.elements(forName: "tag").first?.attribute(forName: "id")?.stringValue { description.vlan = Int(tag) }
        for ip in root.elements(forName: "ip") {
            guard let address = ip.attribute(forName: "address")?.stringValue, let prefix = ip.attribute(forName: "prefix")?.stringValue.flatMap(Int.init) else { continue }
            if ip.attribute(forName: "family")?.stringValue == "ipv6" {
                description.isIPv6 = true
                continue
            }
            // The gateway with the host bits cleared is the network.
            let octets = address.split(separator: ".").compactMap { UInt8($0) }
            guard octets.count == 4 else { continue }
            let value = octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefix))
            let network = value & mask
            description.ipv4 = "\((network >> 24) & 0xff).\((network >> 16) & 0xff).\((network >> 8) & 0xff).\(network & 0xff)/\(prefix)"
        }
        return description
    }
}
