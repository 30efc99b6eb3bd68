import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The domain XML Continuum defines for a virtual machine, and what it reads back from a
/// domain's XML. Continuum's identity (resource, idempotency key, image, a digest of the
/// user data) lives in the domain's `<metadata>` under Continuum's namespace.
struct DomainDefinition {
    static let namespace = "https://continuum.dev/libvirt/v1"

    /// Volumes of one VM in the pool: the root disk on the image, then the extra disks.
    static func rootVolume(_ name: String) -> String { "\(name)-root.qcow2" }
    static func diskVolume(_ name: String, _ index: Int) -> String { "\(name)-disk\(index + 1).qcow2" }

    /// The XML to define.
    static func xml(_ machine: MachineSpec, uuid: String, domainType: String, key: String, provider: String, pool: String,
                    maxCpu: Int, maxMemory: Int64, seed: String?, userDataDigest: String?) -> String {
        var disks = [
            "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='\(escape(pool))' volume='\(escape(rootVolume(machine.name)))'/><target dev='vda' bus='virtio'/></disk>",
        ]
        for index in machine.disks.indices {
            let target = "vd" + String(UnicodeScalar(UInt8(ascii: "b") + UInt8(index)))
            disks.append("<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='\(escape(pool))' volume='\(escape(diskVolume(machine.name, index)))'/><target dev='\(target)' bus='virtio'/></disk>")
        }
        if let seed {
            disks.append(seedDrive(seed))
        }
        let interfaces = machine.networks.map { "<interface type='network'><source network='\(escape($0))'/><model type='virtio'/></interface>" }
        let metadata = metadataAttributes(machine, provider: provider, key: key, userDataDigest: userDataDigest)
        return """
            <domain type='\(domainType)'>
              <name>\(escape(machine.name))</name>
              <uuid>\(uuid)</uuid>
              <metadata><continuum:resource xmlns:continuum='\(namespace)' \(metadata)/></metadata>
              <memory unit='KiB'>\(max(maxMemory, machine.memory) / 1024)</memory>
              <currentMemory unit='KiB'>\(machine.memory / 1024)</currentMemory>
              <vcpu placement='static' current='\(machine.cpu)'>\(max(maxCpu, machine.cpu))</vcpu>
              <os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>
              <features><acpi/><apic/></features>
              <on_poweroff>destroy</on_poweroff>
              <on_reboot>restart</on_reboot>
              <on_crash>restart</on_crash>
              <devices>
                \(disks.joined(separator: "\n    "))
                \(interfaces.joined(separator: "\n    "))
                <serial type='pty'/>
                <console type='pty'/>
              </devices>
            </domain>
            """
    }

    /// The attributes of Continuum's `<resource>` metadata element.
    static func metadataAttributes(_ machine: MachineSpec, provider: String, key: String, userDataDigest: String?) -> String {
        var attributes = "kind='VirtualMachine' name='\(escape(machine.name))' provider='\(escape(provider))' idempotencyKey='\(escape(key))' image='\(escape(machine.image))'"
        if let userDataDigest { attributes += " userData='\(userDataDigest)'" }
        return attributes
    }

    /// What a domain's XML says.
    struct Description {
        var currentCpu = 0
        var maxCpu = 0
        var currentMemoryKiB: Int64 = 0
        var maxMemoryKiB: Int64 = 0
        /// Volumes in the pool, in device order (root first).
        var volumes: [(pool: String, volume: String)] = []
        /// Files attached as CD-ROMs (the seed).
        var cdroms: [String] = []
        /// Network interfaces: the network and the MAC address.
        var interfaces: [(network: String, mac: String)] = []
        /// Continuum's metadata attributes (empty for a domain that is not Continuum's).
        var metadata: [String: String] = [:]
    }

    /// Reads a domain's XML.
    static func describe(_ xml: String) -> Description? {
        guard let document = try? XMLDocument(xmlString: xml, options: []), let root = document.rootElement() else { return nil }
        var description = Description()
        if let vcpu = root.elements(forName: "vcpu").first {
            description.maxCpu = Int(vcpu.stringValue ?? "") ?? 0
            description.currentCpu = vcpu.attribute(forName: "current")?.stringValue.flatMap(Int.init) ?? description.maxCpu
        }
        description.maxMemoryKiB = kibibytes(root.elements(forName: "memory").first)
        description.currentMemoryKiB = root.elements(forName: "currentMemory").first.map(kibibytes) ?? description.maxMemoryKiB
        for disk in root.elements(forName: "devices").first?.elements(forName: "disk") ?? [] {
            guard let source = disk.elements(forName: "source").first else { continue }
            if disk.attribute(forName: "device")?.stringValue == "cdrom", let file = source.attribute(forName: "file")?.stringValue {
                description.cdroms.append(file)
            } else if let pool = source.attribute(forName: "pool")?.stringValue, let volume = source.attribute(forName: "volume")?.stringValue {
                description.volumes.append((pool, volume))
            }
        }
        for interface in root.elements(forName: "devices").first?.elements(forName: "interface") ?? [] {
            guard let network = interface.elements(forName: "source").first?.attribute(forName: "network")?.stringValue else { continue }
            description.interfaces.append((network, interface.elements(forName: "mac").first?.attribute(forName: "address")?.stringValue ?? ""))
        }
        if let metadata = root.elements(forName: "metadata").first?.children?.compactMap({ $0 as? XMLElement }).first(where: { $0.localName == "resource" }) {
            for attribute in metadata.attributes ?? [] {
                if let name = attribute.localName ?? attribute.name, let value = attribute.stringValue, !name.hasPrefix("xmlns") { description.metadata[name] = value }
            }
        }
        return description
    }

    private static func kibibytes(_ element: XMLElement?) -> Int64 {
        guard let element, let value = Int64(element.stringValue ?? "") else { return 0 }
        switch element.attribute(forName: "unit")?.stringValue ?? "KiB" {
        case "b", "bytes": return value / 1024
        case "MiB", "M": return value * 1024
        case "GiB", "G": return value * 1024 * 1024
        default: return value
        }
    }

    /// The CD-ROM of a cloud-init seed: `startupPolicy='optional'`, so the domain still boots
    /// once the seed is deleted (as it is when the machine is Ready).
    static func seedDrive(_ seed: String) -> String {
        "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='\(escape(seed))' startupPolicy='optional'/><target dev='sda' bus='sata'/><readonly/></disk>"
    }

    /// The seed's CD-ROM with no medium: what a live media change to "ejected" asks for.
    static let emptySeedDrive = "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda' bus='sata'/><readonly/></disk>"

    /// Escapes text for an XML attribute or element.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "'": escaped += "&apos;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
