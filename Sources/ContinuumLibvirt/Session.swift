import CLibvirt
import Foundation
import Synchronization

/// The libvirt calls Continuum makes, on a connection's queue: each is counted, and each
/// failure carries what was being done and libvirt's reason. Objects it returns free their
/// handles when released and must not leave the block `LibvirtConnection.run` was given.
struct Session {
    let connection: virConnectPtr
    let counter: CallCounter

    /// Counts one libvirt call.
    func call<T>(_ body: () -> T) -> T {
        counter.count.add(1, ordering: .relaxed)
        return body()
    }

    /// Fails with libvirt's reason unless `status` is 0 or more.
    func check(_ status: Int32, _ operation: @autoclosure () -> String) throws(LibvirtError) {
        if status < 0 { throw LibvirtError.last(operation()) }
    }

    /// The hypervisor's driver name (`QEMU`, `Test`).
    func driverType() throws(LibvirtError) -> String {
        guard let type = call({ virConnectGetType(connection) }) else { throw LibvirtError.last("read the hypervisor type") }
        return String(cString: type)
    }

    // MARK: Domains

    /// The domain with `uuid`, or nil.
    func domain(uuid: String) throws(LibvirtError) -> Domain? {
        try found(call { virDomainLookupByUUIDString(connection, uuid) }, "look up the domain \(uuid)").map { Domain($0, self) }
    }

    /// The domain named `name`, or nil.
    func domain(name: String) throws(LibvirtError) -> Domain? {
        try found(call { virDomainLookupByName(connection, name) }, "look up the domain \(name)").map { Domain($0, self) }
    }

    /// Defines (or redefines) a persistent domain.
    func defineDomain(_ xml: String, name: String) throws(LibvirtError) -> Domain {
        guard let pointer = call({ virDomainDefineXML(connection, xml) }) else { throw LibvirtError.last("define the domain \(name)") }
        return Domain(pointer, self)
    }

    // MARK: Networks

    /// The network with `uuid`, or nil.
    func network(uuid: String) throws(LibvirtError) -> Network? {
        try found(call { virNetworkLookupByUUIDString(connection, uuid) }, "look up the network \(uuid)").map { Network($0, self) }
    }

    /// The network named `name`, or nil.
    func network(name: String) throws(LibvirtError) -> Network? {
        try found(call { virNetworkLookupByName(connection, name) }, "look up the network \(name)").map { Network($0, self) }
    }

    /// Defines a persistent network.
    func defineNetwork(_ xml: String, name: String) throws(LibvirtError) -> Network {
        guard let pointer = call({ virNetworkDefineXML(connection, xml) }) else { throw LibvirtError.last("define the network \(name)") }
        return Network(pointer, self)
    }

    // MARK: Storage

    /// The storage pool named `name`.
    func pool(_ name: String) throws(LibvirtError) -> Pool {
        guard let pointer = call({ virStoragePoolLookupByName(connection, name) }) else {
            var error = LibvirtError.last("find the storage pool \(name)")
            error.message += " (set spec.config.storagePool to an existing pool)"
            throw error
        }
        return Pool(pointer, self)
    }

    /// nil for a lookup that found nothing, else the object or the error.
    private func found<P>(_ pointer: P?, _ operation: String) throws(LibvirtError) -> P? {
        if let pointer { return pointer }
        let error = LibvirtError.last(operation)
        if error.isNotFound { return nil }
        throw error
    }
}

/// How many libvirt calls a connection has made.
final class CallCounter: Sendable {
    let count = Atomic<Int>(0)
}

/// A libvirt domain handle.
final class Domain {
    let pointer: virDomainPtr
    let session: Session

    init(_ pointer: virDomainPtr, _ session: Session) {
        self.pointer = pointer
        self.session = session
    }

    deinit { virDomainFree(pointer) }

    /// The domain's name.
    var name: String { virDomainGetName(pointer).map { String(cString: $0) } ?? "?" }

    /// The domain's UUID as text.
    func uuid() throws(LibvirtError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
        try session.check(session.call { virDomainGetUUIDString(pointer, &buffer) }, "read the UUID of \(name)")
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The domain XML; `inactive` for the persistent definition rather than the live one.
    func xml(inactive: Bool = false) throws(LibvirtError) -> String {
        let flags = inactive ? UInt32(VIR_DOMAIN_XML_INACTIVE.rawValue) : 0
        guard let text = session.call({ virDomainGetXMLDesc(pointer, flags) }) else { throw LibvirtError.last("read the definition of \(name)") }
        defer { free(text) }
        return String(cString: text)
    }

    /// Whether it runs.
    func isActive() throws(LibvirtError) -> Bool {
        let active = session.call { virDomainIsActive(pointer) }
        try session.check(active, "read the state of \(name)")
        return active == 1
    }

    /// Starts it.
    func start() throws(LibvirtError) { try session.check(session.call { virDomainCreate(pointer) }, "start \(name)") }

    /// Asks the guest to shut down.
    func shutdown() throws(LibvirtError) { try session.check(session.call { virDomainShutdown(pointer) }, "shut \(name) down") }

    /// Forces it off.
    func destroy() throws(LibvirtError) { try session.check(session.call { virDomainDestroy(pointer) }, "force \(name) off") }

    /// Removes its definition.
    func undefine() throws(LibvirtError) {
        let flags = UInt32(VIR_DOMAIN_UNDEFINE_MANAGED_SAVE.rawValue | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA.rawValue | VIR_DOMAIN_UNDEFINE_NVRAM.rawValue)
        if session.call({ virDomainUndefineFlags(pointer, flags) }) == 0 { return }
        // Drivers without those flags (the test driver) take a plain undefine.
        try session.check(session.call { virDomainUndefine(pointer) }, "undefine \(name)")
    }

    /// Sets the vCPU count (`maximum` for the ceiling) for the running guest and/or its definition.
    func setVcpus(_ count: Int, live: Bool, maximum: Bool = false) throws(LibvirtError) {
        var flags = VIR_DOMAIN_AFFECT_CONFIG.rawValue
        if live { flags |= VIR_DOMAIN_AFFECT_LIVE.rawValue }
        if maximum { flags |= VIR_DOMAIN_VCPU_MAXIMUM.rawValue }
        try session.check(session.call { virDomainSetVcpusFlags(pointer, UInt32(count), UInt32(flags)) }, "set \(name)'s vCPUs to \(count)")
    }

    /// Sets the memory in KiB (`maximum` for the ceiling) for the running guest and/or its
    /// definition: the running guest first, then the definition, in two calls, as some
    /// drivers (the test driver) refuse both at once.
    func setMemory(kibibytes: UInt, live: Bool, maximum: Bool = false) throws(LibvirtError) {
        let extra = maximum ? UInt32(VIR_DOMAIN_MEM_MAXIMUM.rawValue) : 0
        var scopes = [VIR_DOMAIN_AFFECT_CONFIG.rawValue]
        if live { scopes.insert(VIR_DOMAIN_AFFECT_LIVE.rawValue, at: 0) }
        for scope in scopes {
            try session.check(session.call { virDomainSetMemoryFlags(pointer, kibibytes, UInt32(scope) | extra) }, "set \(name)'s memory to \(kibibytes) KiB")
        }
    }

    /// Attaches (or with `detach`, removes) a device, live too when it runs.
    func device(_ xml: String, detach: Bool, live: Bool) throws(LibvirtError) {
        var flags = VIR_DOMAIN_AFFECT_CONFIG.rawValue
        if live { flags |= VIR_DOMAIN_AFFECT_LIVE.rawValue }
        let status = session.call { detach ? virDomainDetachDeviceFlags(pointer, xml, UInt32(flags)) : virDomainAttachDeviceFlags(pointer, xml, UInt32(flags)) }
        try session.check(status, "\(detach ? "detach" : "attach") a device \(detach ? "from" : "to") \(name)")
    }

    /// Changes a device in place (a CD-ROM's medium), in the definition and, when `live`,
    /// in the running domain.
    func updateDevice(_ xml: String, live: Bool) throws(LibvirtError) {
        var flags = VIR_DOMAIN_AFFECT_CONFIG.rawValue
        if live { flags |= VIR_DOMAIN_AFFECT_LIVE.rawValue }
        let status = session.call { virDomainUpdateDeviceFlags(pointer, xml, UInt32(flags)) }
        try session.check(status, "change a device of \(name)")
    }
}

/// A libvirt network handle.
final class Network {
    let pointer: virNetworkPtr
    let session: Session

    init(_ pointer: virNetworkPtr, _ session: Session) {
        self.pointer = pointer
        self.session = session
    }

    deinit { virNetworkFree(pointer) }

    /// The network's name.
    var name: String { virNetworkGetName(pointer).map { String(cString: $0) } ?? "?" }

    /// The network's UUID as text.
    func uuid() throws(LibvirtError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
        try session.check(session.call { virNetworkGetUUIDString(pointer, &buffer) }, "read the UUID of the network \(name)")
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The persistent definition (the live one from drivers that keep no other).
    func xml() throws(LibvirtError) -> String {
        let text = session.call { virNetworkGetXMLDesc(pointer, UInt32(VIR_NETWORK_XML_INACTIVE.rawValue)) } ?? session.call { virNetworkGetXMLDesc(pointer, 0) }
        guard let text else { throw LibvirtError.last("read the definition of the network \(name)") }
        defer { free(text) }
        return String(cString: text)
    }

    /// Whether it runs.
    func isActive() throws(LibvirtError) -> Bool {
        let active = session.call { virNetworkIsActive(pointer) }
        try session.check(active, "read the state of the network \(name)")
        return active == 1
    }

    /// Starts it and marks it to start with the host.
    func start() throws(LibvirtError) {
        try session.check(session.call { virNetworkCreate(pointer) }, "start the network \(name)")
        try session.check(session.call { virNetworkSetAutostart(pointer, 1) }, "autostart the network \(name)")
    }

    /// Stops it (when it runs) and removes its definition.
    func remove() throws(LibvirtError) {
        if try isActive() { try session.check(session.call { virNetworkDestroy(pointer) }, "stop the network \(name)") }
        try session.check(session.call { virNetworkUndefine(pointer) }, "undefine the network \(name)")
    }
}

/// A storage pool handle.
final class Pool {
    let pointer: virStoragePoolPtr
    let session: Session

    init(_ pointer: virStoragePoolPtr, _ session: Session) {
        self.pointer = pointer
        self.session = session
    }

    deinit { virStoragePoolFree(pointer) }

    /// The volume named `name`, or nil.
    func volume(_ name: String) throws(LibvirtError) -> Volume? {
        if let pointer = session.call({ virStorageVolLookupByName(pointer, name) }) { return Volume(pointer, session, name: name) }
        let error = LibvirtError.last("look up the volume \(name)")
        if error.isNotFound { return nil }
        throw error
    }

    /// Creates a volume from its XML.
    func createVolume(_ xml: String, name: String) throws(LibvirtError) -> Volume {
        guard let created = session.call({ virStorageVolCreateXML(pointer, xml, 0) }) else { throw LibvirtError.last("create the volume \(name)") }
        return Volume(created, session, name: name)
    }
}

/// A storage volume handle.
final class Volume {
    let pointer: virStorageVolPtr
    let session: Session
    let name: String

    init(_ pointer: virStorageVolPtr, _ session: Session, name: String) {
        self.pointer = pointer
        self.session = session
        self.name = name
    }

    deinit { virStorageVolFree(pointer) }

    /// Its path on the host.
    func path() throws(LibvirtError) -> String {
        guard let text = session.call({ virStorageVolGetPath(pointer) }) else { throw LibvirtError.last("read the path of the volume \(name)") }
        defer { free(text) }
        return String(cString: text)
    }

    /// Its capacity in bytes.
    func capacity() throws(LibvirtError) -> Int64 {
        var info = virStorageVolInfo()
        try session.check(session.call { virStorageVolGetInfo(pointer, &info) }, "read the size of the volume \(name)")
        return Int64(clamping: info.capacity)
    }

    /// Its XML.
    func xml() throws(LibvirtError) -> String {
        guard let text = session.call({ virStorageVolGetXMLDesc(pointer, 0) }) else { throw LibvirtError.last("read the volume \(name)") }
        defer { free(text) }
        return String(cString: text)
    }

    /// Deletes it.
    func delete() throws(LibvirtError) { try session.check(session.call { virStorageVolDelete(pointer, 0) }, "delete the volume \(name)") }
}

extension Domain {
    /// The addresses the hypervisor knows for the domain's interfaces (DHCP leases), or
    /// none when it cannot say.
    func addresses() -> [String] {
        var interfaces: UnsafeMutablePointer<virDomainInterfacePtr?>?
        let count = session.call { virDomainInterfaceAddresses(pointer, &interfaces, UInt32(VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE.rawValue), 0) }
        guard count > 0, let interfaces else { return [] }
        defer {
            for index in 0..<Int(count) { virDomainInterfaceFree(interfaces[index]) }
            free(interfaces)
        }
        var found: [String] = []
        for index in 0..<Int(count) {
            guard let interface = interfaces[index] else { continue }
            for address in 0..<Int(interface.pointee.naddrs) {
                if let text = interface.pointee.addrs[address].addr { found.append(String(cString: text)) }
            }
        }
        return found
    }

    /// Replaces Continuum's metadata element, in the definition and the running domain.
    func setMetadata(_ element: String, live: Bool) throws(LibvirtError) {
        var flags = VIR_DOMAIN_AFFECT_CONFIG.rawValue
        if live { flags |= VIR_DOMAIN_AFFECT_LIVE.rawValue }
        let status = session.call {
            virDomainSetMetadata(pointer, Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue), element, "continuum", DomainDefinition.namespace, UInt32(flags))
        }
        try session.check(status, "record Continuum's metadata on \(name)")
    }
}
