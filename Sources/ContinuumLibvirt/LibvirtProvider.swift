import CLibvirt
public import ContinuumProvider
public import ContinuumSpec
import Crypto
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Synchronization

/// Virtual machines and networks through libvirt's C API (`type: libvirt`): domains
/// defined from the spec with disks as volumes on the image in the storage pool, a
/// cloud-init seed ISO from `userData`, NICs on the spec's networks, and Continuum's
/// identity in the domain's metadata (its UUID is derived from the idempotency key too,
/// so a create lost in a crash is found again). vCPUs and memory change live within the
/// domain's maximums; power is a graceful shutdown, forced after `shutdownTimeout`.
public final class LibvirtProvider: Provider, BootstrapSeedRemoval {
    /// The `Provider` resource's name.
    public let name: String
    let config: LibvirtConfig
    private let opened = Mutex<LibvirtConnection?>(nil)

    /// Creates a provider; the connection opens on first use.
    public init(name: String, config: LibvirtConfig) {
        self.name = name
        self.config = config
    }

    /// The libvirt calls this provider has made (for figures).
    public var apiCalls: Int { opened.withLock { $0?.calls ?? 0 } }

    public func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? {
        switch try supported(kind) {
        case .virtualMachine:
            return try await run { session throws(LibvirtError) -> ObservedObject? in
                guard let domain = try session.domain(uuid: providerID) else { return nil }
                return try self.observe(domain)
            }
        default:
            return try await run { session throws(LibvirtError) -> ObservedObject? in
                guard let network = try session.network(uuid: providerID) else { return nil }
                return try self.observe(network)
            }
        }
    }

    public func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? {
        switch try supported(id.kind) {
        case .virtualMachine:
            return try await run { session throws(LibvirtError) in
                guard let domain = try session.domain(name: id.name), DomainDefinition.describe(try domain.xml())?.metadata["idempotencyKey"] == idempotencyKey else { return nil }
                return try self.observe(domain)
            }
        default:
            let uuid = Self.uuid(for: idempotencyKey)
            return try await run { session throws(LibvirtError) -> ObservedObject? in
                guard let network = try session.network(uuid: uuid) else { return nil }
                return try self.observe(network)
            }
        }
    }

    public func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        switch try supported(request.id.kind) {
        case .virtualMachine: return try await createMachine(MachineSpec(request, provider: name), key: request.idempotencyKey)
        default: return try await createNetwork(request)
        }
    }

    public func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        guard let providerID = request.providerID else {
            throw ProviderError(.invalidRequest, provider: name, message: "update of \(request.id) without a provider id", remedy: "report this")
        }
        switch try supported(request.id.kind) {
        case .virtualMachine: return try await updateMachine(MachineSpec(request, provider: name), uuid: providerID)
        default: return try await updateNetwork(request, uuid: providerID)
        }
    }

    public func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) {
        switch try supported(kind) {
        case .virtualMachine:
            let seeds = try await run { session throws(LibvirtError) -> [String] in
                guard let domain = try session.domain(uuid: providerID) else { return [] }
                guard let description = DomainDefinition.describe(try domain.xml(inactive: true)) else { return [] }
                if try domain.isActive() { try domain.destroy() }
                try domain.undefine()
                // Its own volumes only: those named after it.
                for (pool, volume) in description.volumes where volume.hasPrefix("\(domain.name)-") {
                    try session.pool(pool).volume(volume)?.delete()
                }
                return description.cdroms
            }
            for seed in seeds where seed.hasSuffix("-seed.iso") && config.imageDirectory.map({ seed.hasPrefix($0) }) == true {
                try? FileManager.default.removeItem(atPath: seed)
            }
        default:
            try await run { session throws(LibvirtError) in try session.network(uuid: providerID)?.remove() }
        }
    }

    /// Takes a VM's cloud-init seed back once it has booted: the CD-ROM is emptied in the
    /// running domain where the hypervisor can change media (the test driver cannot; a
    /// failed live eject is not an error, the guest keeps the open image until it stops),
    /// its `<source>` is removed from the persistent definition (the CD-ROM is
    /// `startupPolicy='optional'`, so a definition that still named the file would boot
    /// too), and the file, which carries the cluster's tokens, is deleted: the one its
    /// definition names, and `imageDirectory/<name>-seed.iso` by name in any case (a retried
    /// create writes it again for a domain that no longer names it), also when the libvirt
    /// calls fail.
    public func removeBootstrapSeed(of kind: ResourceKind, providerID: String, name: String) async throws(ProviderError) {
        guard kind == .virtualMachine, let directory = config.imageDirectory else { return }
        let byName = "\(directory)/\(name)-seed.iso"
        var seeds: [String] = [byName]
        defer {
            // Deleted whatever the libvirt calls did: a file the domain names is deleted
            // from the host; the guest keeps an open image until it stops.
            for seed in Set(seeds) { unlink(seed) }
        }
        let isSeed: @Sendable (String) -> Bool = { $0.hasPrefix(directory + "/") && $0.hasSuffix("-seed.iso") }
        seeds += try await run { session throws(LibvirtError) -> [String] in
            guard let domain = try session.domain(uuid: providerID) else { return [] }
            let live = DomainDefinition.describe(try domain.xml())?.cdroms ?? []
            let persistent = DomainDefinition.describe(try domain.xml(inactive: true))?.cdroms ?? []
            let seeds = Array(Set((live + persistent).filter(isSeed)))
            guard !seeds.isEmpty else { return [] }
            if try domain.isActive(), live.contains(where: isSeed) {
                do throws(LibvirtError) {
                    try domain.updateDevice(DomainDefinition.emptySeedDrive, live: true)
                } catch {
                    // The hypervisor cannot change media live (or refused to now): the
                    // guest keeps the open image until it stops; the file is gone from the
                    // host all the same, and the definition no longer names it.
                }
            }
            if persistent.contains(where: isSeed) {
                try self.redefine(domain, session: session) { devices in
                    for disk in devices.elements(forName: "disk") where disk.attribute(forName: "device")?.stringValue == "cdrom" {
                        for source in disk.elements(forName: "source") where isSeed(source.attribute(forName: "file")?.stringValue ?? "") { source.detach() }
                    }
                }
            }
            return seeds
        }
        for seed in Set(seeds) where unlink(seed) != 0 && errno != ENOENT {
            throw ProviderError(.unavailable, provider: self.name, message: "cannot delete the cloud-init seed \(seed) of \(name): \(String(cString: strerror(errno)))",
                remedy: "delete the file by hand: it carries the cluster's join token")
        }
    }

    /// Defining a VM and its disks takes seconds on a real host.
    public func estimatedDuration(of operation: ProviderOperation, kind: ResourceKind) -> Duration {
        kind == .virtualMachine && operation == .create ? .seconds(20) : .seconds(2)
    }

    // MARK: Virtual machines

    private func createMachine(_ machine: MachineSpec, key: String) async throws(ProviderError) -> ObservedObject {
        let seed = try writeSeed(machine)
        do {
            return try await defineMachine(machine, key: key, seed: seed)
        } catch {
            // A failed create leaves no seed (and its token) behind; a retry writes it again.
            if let seed { unlink(seed) }
            throw error
        }
    }

    private func defineMachine(_ machine: MachineSpec, key: String, seed: String?) async throws(ProviderError) -> ObservedObject {
        let config = self.config, provider = name
        return try await run { session throws(LibvirtError) in
            if let existing = try session.domain(name: machine.name) {
                let metadata = DomainDefinition.describe(try existing.xml())?.metadata ?? [:]
                if metadata["idempotencyKey"] == key {
                    // A retried create: the seed just written is not the domain's when its
                    // definition no longer names it (it was removed once the machine was a
                    // Ready node), and must not stay behind with its tokens.
                    if let seed, DomainDefinition.describe(try existing.xml(inactive: true))?.cdroms.contains(seed) != true { unlink(seed) }
                    return try self.observe(existing)
                }
                throw LibvirtError(operation: "create the domain \(machine.name)", code: 0,
                    message: "a domain named \(machine.name) already exists and is \(metadata.isEmpty ? "not Continuum's" : "another resource's (\(metadata["provider"] ?? "?"))"); rename the VirtualMachine or remove that domain")
            }
            let pool = try session.pool(config.storagePool)
            guard let base = try pool.volume(machine.image) else {
                throw LibvirtError(operation: "create the disks of \(machine.name)", code: 0,
                    message: "the storage pool \(config.storagePool) has no volume \(machine.image); put the base image there first (spec.image names a volume of spec.config.storagePool)")
            }
            let baseFormat = Self.volumeFormat(try base.xml())
            try self.replaceVolume(in: pool, DomainDefinition.rootVolume(machine.name), capacity: try base.capacity(), backing: (try base.path(), baseFormat))
            for (index, size) in machine.disks.enumerated() {
                try self.replaceVolume(in: pool, DomainDefinition.diskVolume(machine.name, index), capacity: size, backing: nil)
            }
            let domainType = try session.driverType().lowercased() == "test" ? "test" : "kvm"
            let xml = DomainDefinition.xml(machine, uuid: Self.uuid(for: key), domainType: domainType, key: key, provider: provider, pool: config.storagePool,
                maxCpu: config.maxCpu ?? min(512, machine.cpu * 2), maxMemory: config.maxMemory?.bytes ?? machine.memory * 2,
                seed: seed, userDataDigest: machine.userData.map(Self.digest))
            let domain = try session.defineDomain(xml, name: machine.name)
            if machine.powerOn { try domain.start() }
            return try self.observe(domain)
        }
    }

    private func updateMachine(_ machine: MachineSpec, uuid: String) async throws(ProviderError) -> ObservedObject {
        // Off first when it should be off, so the other changes apply to a stopped VM.
        if !machine.powerOn { try await powerOff(uuid) }
        let seed = try writeSeed(machine)
        let provider = name
        return try await run { session throws(LibvirtError) in
            guard let domain = try session.domain(uuid: uuid), let current = DomainDefinition.describe(try domain.xml()) else {
                throw LibvirtError(operation: "update \(machine.name)", code: Int32(VIR_ERR_NO_DOMAIN.rawValue), message: "the domain \(uuid) is gone")
            }
            let active = try domain.isActive()
            if current.currentCpu != machine.cpu {
                if active {
                    guard machine.cpu <= current.maxCpu else {
                        throw LibvirtError(operation: "set \(machine.name)'s vCPUs to \(machine.cpu)", code: 0,
                            message: "it runs with a maximum of \(current.maxCpu) vCPUs and cannot grow past it while running; change power to off in the same commit (the change is then made while it is off), or raise spec.config.maxCpu for new VMs")
                    }
                    try domain.setVcpus(machine.cpu, live: true)
                } else {
                    if machine.cpu > current.maxCpu { try domain.setVcpus(machine.cpu, live: false, maximum: true) }
                    try domain.setVcpus(machine.cpu, live: false)
                }
            }
            let kibibytes = machine.memory / 1024
            if current.currentMemoryKiB != kibibytes {
                if active {
                    guard kibibytes <= current.maxMemoryKiB else {
                        throw LibvirtError(operation: "set \(machine.name)'s memory to \(Quantity(bytes: machine.memory))", code: 0,
                            message: "it runs with a maximum of \(Quantity(bytes: current.maxMemoryKiB * 1024)) and cannot grow past it while running; change power to off in the same commit, or raise spec.config.maxMemory for new VMs")
                    }
                    try domain.setMemory(kibibytes: UInt(kibibytes), live: true)
                } else {
                    if kibibytes > current.maxMemoryKiB { try domain.setMemory(kibibytes: UInt(kibibytes), live: false, maximum: true) }
                    try domain.setMemory(kibibytes: UInt(kibibytes), live: false)
                }
            }
            let wanted = machine.networks
            if current.interfaces.map(\.network) != wanted {
                try self.changeInterfaces(domain, from: current.interfaces, to: wanted, active: active)
            }
            let digest = machine.userData.map(Self.digest)
            if current.metadata["userData"] != digest || current.metadata["image"] != machine.image {
                if let seed, !current.cdroms.contains(seed) {
                    // A seed for a VM that had none: in its definition, read at the next boot.
                    try self.redefine(domain, session: session) { devices in
                        devices.addChild(try XMLElement(xmlString: DomainDefinition.seedDrive(seed)))
                    }
                }
                let key = current.metadata["idempotencyKey"] ?? ""
                try domain.setMetadata("<resource \(DomainDefinition.metadataAttributes(machine, provider: provider, key: key, userDataDigest: digest))/>", live: active)
            }
            if machine.powerOn && !active { try domain.start() }
            return try self.observe(domain)
        }
    }

    /// Moves the VM's NICs to the wanted networks: hot-plugged while it runs (when the
    /// hypervisor can), in its definition while it is off.
    private func changeInterfaces(_ domain: Domain, from current: [(network: String, mac: String)], to wanted: [String], active: Bool) throws(LibvirtError) {
        guard active else {
            return try redefine(domain, session: domain.session) { devices in
                for interface in devices.elements(forName: "interface") { interface.detach() }
                for network in wanted {
                    devices.addChild(try XMLElement(xmlString: "<interface type='network'><source network='\(DomainDefinition.escape(network))'/><model type='virtio'/></interface>"))
                }
            }
        }
        var remaining = wanted
        do throws(LibvirtError) {
            for interface in current {
                if let index = remaining.firstIndex(of: interface.network) {
                    remaining.remove(at: index)
                } else {
                    try domain.device("<interface type='network'><mac address='\(interface.mac)'/><source network='\(DomainDefinition.escape(interface.network))'/><model type='virtio'/></interface>", detach: true, live: true)
                }
            }
            for network in remaining {
                try domain.device("<interface type='network'><source network='\(DomainDefinition.escape(network))'/><model type='virtio'/></interface>", detach: false, live: true)
            }
        } catch where error.code == Int32(VIR_ERR_NO_SUPPORT.rawValue) {
            throw LibvirtError(operation: "change the networks of \(domain.name)", code: error.code,
                message: "this hypervisor cannot hot-plug NICs; change power to off in the same commit (the NICs are then changed while it is off)")
        }
    }

    /// Edits the domain's persistent definition (`<devices>`) and defines it again; a
    /// running domain takes it at its next boot.
    private func redefine(_ domain: Domain, session: Session, _ edit: (XMLElement) throws -> Void) throws(LibvirtError) {
        let xml = try domain.xml(inactive: true)
        do {
            let document = try XMLDocument(xmlString: xml, options: [])
            guard let devices = document.rootElement()?.elements(forName: "devices").first else { throw CocoaError(.fileReadCorruptFile) }
            try edit(devices)
            _ = try session.defineDomain(document.xmlString, name: domain.name)
        } catch let error as LibvirtError {
            throw error
        } catch {
            throw LibvirtError(operation: "edit the definition of \(domain.name)", code: 0, message: "\(error)")
        }
    }

    /// A graceful shutdown, then forced off once `shutdownTimeout` has passed.
    private func powerOff(_ uuid: String) async throws(ProviderError) {
        let running = try await run { session throws(LibvirtError) -> Bool in
            guard let domain = try session.domain(uuid: uuid), try domain.isActive() else { return false }
            try domain.shutdown()
            return true
        }
        guard running else { return }
        let deadline = ContinuousClock.now + config.shutdownTimeout
        while ContinuousClock.now < deadline {
            let active = try await run { session throws(LibvirtError) in try session.domain(uuid: uuid)?.isActive() ?? false }
            if !active { return }
            try? await Task.sleep(for: .milliseconds(500))
        }
        try await run { session throws(LibvirtError) in
            if let domain = try session.domain(uuid: uuid), try domain.isActive() { try domain.destroy() }
        }
    }

    /// Writes the VM's cloud-init seed ISO into `imageDirectory`, when it has user data.
    private func writeSeed(_ machine: MachineSpec) throws(ProviderError) -> String? {
        guard let userData = machine.userData else { return nil }
        guard let directory = config.imageDirectory else {
            throw ProviderError(.invalidRequest, provider: name, message: "VirtualMachine \(machine.name) has userData, and the provider has no imageDirectory for its cloud-init seed",
                remedy: "set spec.config.imageDirectory to a directory the hypervisor can read")
        }
        let file = "\(machine.name)-seed.iso"
        let seed = CloudInitSeed(userData: userData, metaData: "instance-id: \(machine.name)-\(Self.digest(userData).prefix(12))\nlocal-hostname: \(machine.name)\n")
        do {
            // The seed carries the cluster's join token: owner-only, as libvirt's dynamic
            // ownership hands it to the hypervisor's user when the domain starts.
            try PrivateFile.write(seed.image, named: file, in: directory)
        } catch {
            throw ProviderError(.invalidRequest, provider: name, message: "cannot write the cloud-init seed: \(error)",
                remedy: "check the connection's imageDirectory and its permissions")
        }
        return "\(directory)/\(file)"
    }

    /// Creates a qcow2 volume, replacing a leftover of the same name from an interrupted create.
    private func replaceVolume(in pool: Pool, _ volume: String, capacity: Int64, backing: (path: String, format: String)?) throws(LibvirtError) {
        try pool.volume(volume)?.delete()
        var xml = "<volume><name>\(DomainDefinition.escape(volume))</name><capacity unit='bytes'>\(capacity)</capacity><target><format type='qcow2'/></target>"
        if let backing { xml += "<backingStore><path>\(DomainDefinition.escape(backing.path))</path><format type='\(backing.format)'/></backingStore>" }
        _ = try pool.createVolume(xml + "</volume>", name: volume)
    }

    private static func volumeFormat(_ xml: String) -> String {
        guard let range = xml.range(of: "<format type='") ?? xml.range(of: "<format type=\""), let end = xml[range.upperBound...].firstIndex(where: { $0 == "'" || $0 == "\"" }) else { return "raw" }
        return String(xml[range.upperBound..<end])
    }

    /// The VM as a live spec. `userData` cannot be read back from a domain and is left out
    /// (the recorded value stands); the image is the one recorded in the metadata.
    private func observe(_ domain: Domain) throws(LibvirtError) -> ObservedObject {
        let uuid = try domain.uuid()
        guard let description = DomainDefinition.describe(try domain.xml()) else {
            throw LibvirtError(operation: "read \(domain.name)", code: 0, message: "its XML could not be parsed")
        }
        let active = try domain.isActive()
        var disks: [FieldValue] = []
        for (pool, volume) in description.volumes.dropFirst() {
            let capacity = try domain.session.pool(pool).volume(volume)?.capacity() ?? 0
            disks.append(.object([("size", .quantity(Quantity(bytes: capacity)))]))
        }
        let spec = FieldValue.object([
            ("provider", .string(name)), ("cpu", .integer(description.currentCpu)),
            ("memory", .quantity(Quantity(bytes: description.currentMemoryKiB * 1024))),
            ("image", description.metadata["image"].map(FieldValue.string)), ("disks", .list(disks)),
            ("networks", .list(description.interfaces.map { .reference(ResourceID(.network, $0.network)) })),
            ("power", .string(active ? "on" : "off")),
        ])
        let outputs: [String: FieldValue] = [
            "id": .string(uuid), "state": .string(active ? "running" : "shut off"),
            "ipAddress": .string(active ? domain.addresses().first ?? "" : ""),
        ]
        return ObservedObject(providerID: uuid, spec: spec, outputs: outputs)
    }

    // MARK: Networks

    private func createNetwork(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        let (cidr, vlan) = try networkSpec(request)
        let uuid = Self.uuid(for: request.idempotencyKey), name = request.id.name, bridge = config.vlanBridge
        return try await run { session throws(LibvirtError) in
            if let existing = try session.network(uuid: uuid) { return try self.observe(existing) }
            if try session.network(name: name) != nil {
                throw LibvirtError(operation: "create the network \(name)", code: 0, message: "a network named \(name) already exists and is not this resource's; rename the Network or remove that network")
            }
            let network = try session.defineNetwork(NetworkDefinition.xml(name: name, uuid: uuid, cidr: cidr, vlan: vlan, vlanBridge: bridge), name: name)
            try network.start()
            return try self.observe(network)
        }
    }

    private func updateNetwork(_ request: ProviderRequest, uuid: String) async throws(ProviderError) -> ObservedObject {
        let (cidr, vlan) = try networkSpec(request)
        let name = request.id.name, bridge = config.vlanBridge
        return try await run { session throws(LibvirtError) in
            guard try session.network(uuid: uuid) != nil else {
                throw LibvirtError(operation: "update the network \(name)", code: Int32(VIR_ERR_NO_NETWORK.rawValue), message: "the network \(uuid) is gone")
            }
            // Redefining updates the persistent definition; a running network takes it at its next start.
            return try self.observe(try session.defineNetwork(NetworkDefinition.xml(name: name, uuid: uuid, cidr: cidr, vlan: vlan, vlanBridge: bridge), name: name))
        }
    }

    private func networkSpec(_ request: ProviderRequest) throws(ProviderError) -> (CIDR, Int?) {
        guard case .string(let text)? = request.spec["cidr"], case .success(let cidr) = CIDR.parse(text) else {
            throw ProviderError(.invalidRequest, provider: name, message: "the request for \(request.id) has no valid cidr", remedy: "report this")
        }
        let vlan: Int? = if case .integer(let tag)? = request.spec["vlan"] { tag } else { nil }
        if vlan != nil, config.vlanBridge == nil {
            throw ProviderError(.invalidRequest, provider: name, message: "Network \(request.id.name) has a vlan, and the provider has no vlanBridge",
                remedy: "set spec.config.vlanBridge to an Open vSwitch bridge on the host, or drop the vlan")
        }
        return (cidr, vlan)
    }

    /// The network as a live spec (an IPv6 CIDR is left out, as its text cannot be told
    /// from the XML in the form it was written; the recorded one stands).
    private func observe(_ network: Network) throws(LibvirtError) -> ObservedObject {
        let uuid = try network.uuid()
        let description = NetworkDefinition.describe(try network.xml()) ?? NetworkDefinition.Description()
        let spec = FieldValue.object([
            ("provider", .string(name)), ("cidr", description.ipv4.map(FieldValue.string)), ("vlan", description.vlan.map(FieldValue.integer)),
        ])
        var outputs: [String: FieldValue] = ["id": .string(uuid)]
        if let ipv4 = description.ipv4, case .success(let cidr) = CIDR.parse(ipv4) { outputs["gateway"] = .string(NetworkDefinition.gateway(cidr)) }
        return ObservedObject(providerID: uuid, spec: spec, outputs: outputs)
    }

    // MARK: Plumbing

    /// Runs `body` on the connection, opening it first when needed; a lost connection is
    /// dropped so that the next call opens a new one.
    private func run<T: Sendable>(_ body: @escaping @Sendable (Session) throws(LibvirtError) -> T) async throws(ProviderError) -> T {
        let connection: LibvirtConnection
        do throws(LibvirtError) {
            connection = try opened.withLock { opened throws(LibvirtError) in
                if let existing = opened, existing.isAlive { return existing }
                let fresh = try LibvirtConnection(uri: config.uri)
                opened = fresh
                return fresh
            }
        } catch {
            throw ProviderError(.unavailable, provider: name, message: error.description, remedy: "check spec.config.uri and that libvirtd runs and is reachable")
        }
        do throws(LibvirtError) {
            return try await connection.run(body)
        } catch {
            if error.isConnectionLost { opened.withLock { if $0 === connection { $0 = nil } } }
            throw error.providerError(name)
        }
    }

    private func supported(_ kind: ResourceKind) throws(ProviderError) -> ResourceKind {
        guard kind == .virtualMachine || kind == .network else {
            throw ProviderError(.invalidRequest, provider: name, message: "a libvirt provider manages VirtualMachine and Network resources, not \(kind.rawValue)",
                remedy: "put \(kind.rawValue) resources on a provider that manages them")
        }
        return kind
    }

    /// A UUID derived from the idempotency key: the same create always names the same object.
    static func uuid(for key: String) -> String {
        var bytes = Array(SHA256.hash(data: Data("continuum/\(key)".utf8)).prefix(16))
        bytes[6] = bytes[6] & 0x0f | 0x50   // version 5 (name-based, SHA)
        bytes[8] = bytes[8] & 0x3f | 0x80   // RFC 4122 variant
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
