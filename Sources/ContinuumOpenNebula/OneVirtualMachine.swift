import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What Continuum reads of an OpenNebula `VM` document (vm.xsd): its numbers, state,
/// capacity, disks, NICs and user template.
struct OneVirtualMachine: Sendable, Hashable {
    /// A `DISK` of its template.
    struct Disk: Sendable, Hashable {
        var id: Int
        var image: String?
        var sizeMB: Int?
        /// Whether Continuum made it for `spec.disks` (`CONTINUUM_DISK = "YES"` in its vector).
        var continuum: Bool
    }

    /// A `NIC` of its template.
    struct NIC: Sendable, Hashable {
        var id: Int
        var network: String?
        var networkID: Int?
        var ip: String?
    }

    var id: Int
    var name: String
    var state: Int
    var lcmState: Int
    var vcpu: Int?
    var memoryMB: Int?
    var disks: [Disk]
    var nics: [NIC]
    /// `USER_TEMPLATE`'s attributes, with the template's own `CONTINUUM_*` ones where the
    /// user template lacks them.
    var attributes: [String: String]
    /// Whether its `CONTEXT` carries `USER_DATA`.
    var hasUserData: Bool
    /// The sections `one.vm.updateconf` replaces as a whole (`OS`, `FEATURES`, `INPUT`,
    /// `GRAPHICS`, `VIDEO`, `RAW`, `CPU_MODEL`, `CONTEXT`), as they are now: an update sends them all back,
    /// changed where it means to, so that none is dropped.
    var configuration: [OpenNebulaXML.Entry]

    /// Reads a `VM` element.
    init?(_ element: XMLElement) {
        guard let id = OpenNebulaXML.int(element, "ID") else { return nil }
        self.id = id
        name = OpenNebulaXML.text(element, "NAME") ?? ""
        state = OpenNebulaXML.int(element, "STATE") ?? 0
        lcmState = OpenNebulaXML.int(element, "LCM_STATE") ?? 0
        let template = element.elements(forName: "TEMPLATE").first
        vcpu = OpenNebulaXML.int(template, "VCPU") ?? OpenNebulaXML.text(template, "CPU").flatMap { Double($0) }.map { max(1, Int($0.rounded(.up))) }
        memoryMB = OpenNebulaXML.int(template, "MEMORY")
        disks = (template?.elements(forName: "DISK") ?? []).enumerated().map { index, disk in
            Disk(id: OpenNebulaXML.int(disk, "DISK_ID") ?? index, image: OpenNebulaXML.text(disk, "IMAGE"), sizeMB: OpenNebulaXML.int(disk, "SIZE"),
                 continuum: OpenNebulaXML.text(disk, "CONTINUUM_DISK") == "YES")
        }
        nics = (template?.elements(forName: "NIC") ?? []).enumerated().map { index, nic in
            NIC(id: OpenNebulaXML.int(nic, "NIC_ID") ?? index, network: OpenNebulaXML.text(nic, "NETWORK"),
                networkID: OpenNebulaXML.int(nic, "NETWORK_ID"), ip: OpenNebulaXML.text(nic, "IP"))
        }
        var attributes = OpenNebulaXML.attributes(template).filter { $0.key.hasPrefix("CONTINUUM_") }
        attributes.merge(OpenNebulaXML.attributes(element.elements(forName: "USER_TEMPLATE").first)) { _, user in user }
        self.attributes = attributes
        hasUserData = OpenNebulaXML.text(template?.elements(forName: "CONTEXT").first, "USER_DATA") != nil
        configuration = ["OS", "FEATURES", "INPUT", "GRAPHICS", "VIDEO", "RAW", "CPU_MODEL", "CONTEXT"].flatMap { name in
            (template?.elements(forName: name) ?? []).map { section in
                .vector(name, (section.children ?? []).compactMap { child in
                    guard let child = child as? XMLElement, let key = child.name else { return nil }
                    return (key, child.stringValue ?? "")
                })
            }
        }
    }

    /// The VM's state, read.
    var status: OneVMState { OneVMState(state: state, lcmState: lcmState) }

    /// The disks Continuum made from `spec.disks` (tagged `CONTINUUM_DISK`): not the
    /// image's, nor a volatile disk (swap) an operator's template brings. A VM made before
    /// disks were tagged (no `CONTINUUM_DISKS` record) has every disk but the image's.
    var dataDisks: [Disk] { attributes["CONTINUUM_DISKS"] == nil ? disks.filter { $0.image == nil } : disks.filter(\.continuum) }
}
