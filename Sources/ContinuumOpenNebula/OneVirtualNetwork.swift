import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What Continuum reads of an OpenNebula `VNET` document (vnet.xsd): its number, name,
/// VLAN, template attributes and first address range.
struct OneVirtualNetwork: Sendable, Hashable {
    var id: Int
    var name: String
    var vlanID: String?
    /// `TEMPLATE`'s simple attributes (`GATEWAY`, `NETWORK_ADDRESS`, `CONTINUUM_*`).
    var attributes: [String: String]
    /// The first address range's `IP` and `SIZE`.
    var firstRange: (ip: String, size: Int)?

    static func == (lhs: OneVirtualNetwork, rhs: OneVirtualNetwork) -> Bool {
        lhs.id == rhs.id && lhs.name == rhs.name && lhs.vlanID == rhs.vlanID && lhs.attributes == rhs.attributes
            && lhs.firstRange?.ip == rhs.firstRange?.ip && lhs.firstRange?.size == rhs.firstRange?.size
    }

    func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// Reads a `VNET` element.
    init?(_ element: XMLElement) {
        guard let id = OpenNebulaXML.int(element, "ID") else { return nil }
        self.id = id
        name = OpenNebulaXML.text(element, "NAME") ?? ""
        vlanID = OpenNebulaXML.text(element, "VLAN_ID")
        attributes = OpenNebulaXML.attributes(element.elements(forName: "TEMPLATE").first)
        if let range = element.elements(forName: "AR_POOL").first?.elements(forName: "AR").first, let ip = OpenNebulaXML.text(range, "IP") {
            firstRange = (ip, OpenNebulaXML.int(range, "SIZE") ?? 0)
        }
    }
}
