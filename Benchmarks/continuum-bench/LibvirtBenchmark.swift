import CLibvirt
import ContinuumLibvirt
import ContinuumProvider
import ContinuumSpec
import ContinuumTesting
import Foundation

/// Provisions VMs one at a time through the libvirt provider on libvirtd's test driver
/// (over loopback TCP, as a remote host would be), counting the libvirt calls, next to the
/// floor measured in the same run on the same daemon: the bare calls any client must make
/// for the same VM (create its two volumes, define the domain, start it).
struct LibvirtBenchmark {
    let machines: Int

    struct Machine: Codable {
        var provisionSeconds: Double
        var apiCalls: Int
        var floorSeconds: Double
        var floorCalls: Int
    }

    struct Result: Codable {
        var machines: [Machine]
        var meanProvisionSeconds: Double
        var meanFloorSeconds: Double
        var meanApiCalls: Double
    }

    func run() async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let daemon = try LibvirtDaemon(in: directory.url)
        defer { daemon.stop() }
        try daemon.addBaseImage()
        let config = try LibvirtConfig.parse(.map([
            FieldValue.Entry("uri", .string(daemon.uri)), FieldValue.Entry("storagePool", .string("default-pool")),
            FieldValue.Entry("imageDirectory", .string(directory.url.appendingPathComponent("seeds").path)),
        ])).get()
        let provider = LibvirtProvider(name: "bench-kvm", config: config)
        guard let raw = virConnectOpen(daemon.uri) else { throw FixtureError(message: "cannot connect to \(daemon.uri)") }
        defer { virConnectClose(raw) }
        var results: [Machine] = []
        for index in 0..<machines {
            let spec = FieldValue.object([
                ("provider", .string("bench-kvm")), ("cpu", .integer(2)), ("memory", .quantity(Quantity(bytes: 1 << 30))), ("image", .string("debian-12")),
                ("disks", .list([.object([("size", .quantity(Quantity(bytes: 1 << 30)))])])), ("networks", .list([])),
                ("userData", .string("#cloud-config\nhostname: vm-\(index)\n")), ("power", .string("on")),
            ])
            let callsBefore = provider.apiCalls
            let start = ContinuousClock.now
            _ = try await provider.create(ProviderRequest(id: ResourceID(.virtualMachine, "vm-\(index)"), spec: spec, idempotencyKey: "k\(index)"))
            let provision = seconds(ContinuousClock.now - start)
            let calls = provider.apiCalls - callsBefore
            let floorStart = ContinuousClock.now
            let floorCalls = try floor(raw, name: "raw-\(index)")
            results.append(Machine(provisionSeconds: provision, apiCalls: calls, floorSeconds: seconds(ContinuousClock.now - floorStart), floorCalls: floorCalls))
        }
        func mean(_ value: (Machine) -> Double) -> Double { results.map(value).reduce(0, +) / Double(results.count) }
        return Result(machines: results, meanProvisionSeconds: mean(\.provisionSeconds), meanFloorSeconds: mean(\.floorSeconds), meanApiCalls: mean { Double($0.apiCalls) })
    }

    /// The bare minimum for the same VM: two volumes, define, start (with the lookups they need).
    private func floor(_ connection: OpaquePointer, name: String) throws -> Int {
        guard let pool = virStoragePoolLookupByName(connection, "default-pool") else { throw FixtureError(message: "no pool") }
        defer { virStoragePoolFree(pool) }
        for volume in ["\(name)-root", "\(name)-disk1"] {
            guard let created = virStorageVolCreateXML(pool, "<volume><name>\(volume)</name><capacity unit='bytes'>1073741824</capacity><target><format type='qcow2'/></target></volume>", 0) else {
                throw FixtureError(message: "cannot create \(volume)")
            }
            virStorageVolFree(created)
        }
        let xml = """
            <domain type='test'><name>\(name)</name><memory unit='KiB'>1048576</memory><vcpu>2</vcpu><os><type arch='x86_64'>hvm</type></os>
            <devices><disk type='volume' device='disk'><source pool='default-pool' volume='\(name)-root'/><target dev='vda' bus='virtio'/></disk>
            <disk type='volume' device='disk'><source pool='default-pool' volume='\(name)-disk1'/><target dev='vdb' bus='virtio'/></disk></devices></domain>
            """
        guard let domain = virDomainDefineXML(connection, xml) else { throw FixtureError(message: "cannot define \(name)") }
        defer { virDomainFree(domain) }
        guard virDomainCreate(domain) == 0 else { throw FixtureError(message: "cannot start \(name)") }
        return 5
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
