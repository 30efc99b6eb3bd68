import ContinuumProvider
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

@testable import ContinuumLibvirt

/// The libvirt provider against libvirt's test driver served by a real, unprivileged
/// libvirtd on loopback, with `virsh` as a second process observing the same state after
/// each operation.
@Suite("libvirt provider against libvirtd's test driver")
struct LibvirtProviderTests {
    /// A daemon, a connection that keeps its state alive, a base image, and a provider.
    final class Lab {
        let directory: TemporaryDirectory
        let daemon: LibvirtDaemon
        let provider: LibvirtProvider

        init(_ extra: [FieldValue.Entry] = []) throws {
            directory = try TemporaryDirectory()
            daemon = try LibvirtDaemon(in: directory.url)
            try daemon.addBaseImage(size: "2G")
            let config = try LibvirtConfig.parse(.map([
                FieldValue.Entry("uri", .string(daemon.uri)), FieldValue.Entry("storagePool", .string("default-pool")),
                FieldValue.Entry("imageDirectory", .string(directory.url.appendingPathComponent("seeds").path)), FieldValue.Entry("maxCpu", .integer(4)),
                FieldValue.Entry("shutdownTimeout", .string("5s")),
            ] + extra)).get()
            provider = LibvirtProvider(name: "fra-kvm", config: config)
        }

        func virsh(_ arguments: String...) throws -> String { try daemon.virsh(arguments) }

        deinit {
            daemon.stop()
            directory.remove()
        }
    }

    static func machine(_ name: String, cpu: Int = 2, memory: String = "1Gi", disks: [String] = ["2Gi"], networks: [String] = [], userData: String? = "#cloud-config\nhostname: web\n",
                        power: String = "on", key: String = "key-1", providerID: String? = nil) -> ProviderRequest {
        let spec = FieldValue.object([
            ("provider", .string("fra-kvm")), ("cpu", .integer(cpu)), ("memory", .quantity(try! Quantity.parse(memory).get())),
            ("image", .string("debian-12")), ("disks", .list(disks.map { .object([("size", .quantity(try! Quantity.parse($0).get()))]) })),
            ("networks", .list(networks.map { .reference(ResourceID(.network, $0)) })), ("userData", userData.map(FieldValue.string)), ("power", .string(power)),
        ])
        return ProviderRequest(id: ResourceID(.virtualMachine, name), spec: spec, idempotencyKey: key, providerID: providerID)
    }

    static func network(_ name: String, cidr: String = "10.20.0.0/24", vlan: Int? = nil, key: String = "net-key", providerID: String? = nil) -> ProviderRequest {
        ProviderRequest(id: ResourceID(.network, name), spec: .object([("provider", .string("fra-kvm")), ("cidr", .string(cidr)), ("vlan", vlan.map(FieldValue.integer))]),
            idempotencyKey: key, providerID: providerID)
    }

    @Test func aVirtualMachineIsDefinedWithItsDisksNetworkSeedAndIdentity() async throws {
        let lab = try Lab()
        let network = try await lab.provider.create(Self.network("fra-edge"))
        #expect(network.spec == Self.network("fra-edge").spec)
        #expect(network.outputs["gateway"] == .string("10.20.0.1"))
        #expect(try lab.virsh("net-dumpxml", "fra-edge").contains("<ip address='10.20.0.1' prefix='24'>"))

        let request = Self.machine("web-1", networks: ["fra-edge"])
        let created = try await lab.provider.create(request)
        #expect(created.providerID == LibvirtProvider.uuid(for: "key-1"))
        #expect(created.spec.completed(from: request.spec) == request.spec, "read back, the domain is the spec (userData is not observable)")
        #expect(created.outputs["state"] == .string("running"))
        // The second observer's view.
        let xml = try lab.virsh("dumpxml", "web-1")
        #expect(xml.contains("<vcpu placement='static' current='2'>4</vcpu>"))
        #expect(xml.contains("<currentMemory unit='KiB'>1048576</currentMemory>"))
        #expect(xml.contains("idempotencyKey=\"key-1\"") || xml.contains("idempotencyKey='key-1'"), "the identity is in the domain's metadata")
        #expect(xml.contains("volume='web-1-root.qcow2'") && xml.contains("volume='web-1-disk1.qcow2'"))
        #expect(xml.contains("<source network='fra-edge'"))
        #expect(try lab.virsh("domstate", "web-1").contains("running"))
        let volumes = try lab.virsh("vol-list", "default-pool")
        #expect(volumes.contains("web-1-root.qcow2") && volumes.contains("web-1-disk1.qcow2"))
        #expect(try lab.virsh("vol-info", "--pool", "default-pool", "web-1-disk1.qcow2").contains("2.00 GiB"))
        let seed = lab.directory.url.appendingPathComponent("seeds/web-1-seed.iso")
        #expect(xml.contains(seed.path))
        #expect(FileManager.default.fileExists(atPath: seed.path))
        #expect(try await lab.provider.read(.virtualMachine, providerID: created.providerID) == created)
    }

    @Test func aCreateIsIdempotentAndFoundAgainByItsKey() async throws {
        let lab = try Lab()
        let created = try await lab.provider.create(Self.machine("web-2", userData: nil))
        #expect(try await lab.provider.create(Self.machine("web-2", userData: nil)) == created, "the same key: the same domain")
        #expect(try await lab.provider.lookup(ResourceID(.virtualMachine, "web-2"), idempotencyKey: "key-1") == created)
        #expect(try await lab.provider.lookup(ResourceID(.virtualMachine, "web-2"), idempotencyKey: "other") == nil)
        let clash = await #expect(throws: ProviderError.self) { try await lab.provider.create(Self.machine("web-2", userData: nil, key: "key-2")) }
        #expect(clash?.message.contains("a domain named web-2 already exists and is another resource's") == true, "\(String(describing: clash))")
        let foreign = await #expect(throws: ProviderError.self) { try await lab.provider.create(Self.machine("test", userData: nil, key: "key-3")) }
        #expect(foreign?.message.contains("not Continuum's") == true, "the test driver's own domain is left alone")
    }

    @Test func vcpusAndMemoryChangeLiveWithinTheMaximumsAndBeyondThemOnlyWhileOff() async throws {
        let lab = try Lab()
        let created = try await lab.provider.create(Self.machine("web-3", userData: nil))
        let grown = try await lab.provider.update(Self.machine("web-3", cpu: 3, memory: "2Gi", userData: nil, providerID: created.providerID))
        #expect(grown.spec["cpu"] == .integer(3))
        #expect(try lab.virsh("dominfo", "web-3").contains("CPU(s):         3"))
        #expect(try lab.virsh("domstate", "web-3").contains("running"), "changed live")
        let refused = await #expect(throws: ProviderError.self) {
            try await lab.provider.update(Self.machine("web-3", cpu: 8, userData: nil, providerID: created.providerID))
        }
        #expect(refused?.message.contains("maximum of 4 vCPUs") == true, "\(String(describing: refused))")
        let off = try await lab.provider.update(Self.machine("web-3", cpu: 8, memory: "4Gi", userData: nil, power: "off", providerID: created.providerID))
        #expect(off.spec["cpu"] == .integer(8))
        #expect(off.spec["power"] == .string("off"))
        #expect(try lab.virsh("domstate", "web-3").contains("shut off"))
        let definition = try lab.virsh("dumpxml", "--inactive", "web-3")
        #expect(definition.contains(">8</vcpu>") && definition.contains("<currentMemory unit='KiB'>4194304</currentMemory>"), "\(definition)")
        let on = try await lab.provider.update(Self.machine("web-3", cpu: 8, memory: "4Gi", userData: nil, power: "on", providerID: created.providerID))
        #expect(on.outputs["state"] == .string("running"))
    }

    @Test func networksAreAttachedAndDetachedAndUserDataRewritesTheSeed() async throws {
        let lab = try Lab()
        _ = try await lab.provider.create(Self.network("net-a", cidr: "10.30.0.0/24", key: "a"))
        _ = try await lab.provider.create(Self.network("net-b", cidr: "10.31.0.0/24", key: "b"))
        let created = try await lab.provider.create(Self.machine("web-4", networks: ["net-a"]))
        let seed = lab.directory.url.appendingPathComponent("seeds/web-4-seed.iso")
        let before = try Data(contentsOf: seed)
        // The test driver cannot hot-plug NICs, as some hypervisors cannot: a clear error, then
        // the same change with the VM off.
        let running = await #expect(throws: ProviderError.self) {
            try await lab.provider.update(Self.machine("web-4", networks: ["net-b"], providerID: created.providerID))
        }
        #expect(running?.message.contains("cannot hot-plug NICs; change power to off in the same commit") == true, "\(String(describing: running))")
        let userData = "#cloud-config\nhostname: other\n"
        let moved = try await lab.provider.update(Self.machine("web-4", networks: ["net-b"], userData: userData, power: "off", providerID: created.providerID))
        #expect(moved.spec["networks"] == .list([.reference(ResourceID(.network, "net-b"))]))
        let xml = try lab.virsh("dumpxml", "web-4")
        #expect(xml.contains("<source network='net-b'") && !xml.contains("<source network='net-a'"))
        #expect(try Data(contentsOf: seed) != before, "the seed holds the new user data")
        #expect(xml.contains(LibvirtProvider.digest(userData)), "its digest is in the metadata")
    }

    /// Once the machine has booted (a cluster machine is a Ready node), its seed is taken
    /// back: the file is deleted, the definition no longer names it, and the VM runs on.
    @Test func removingTheSeedDeletesTheFileAndEmptiesTheCDROMOfTheDefinition() async throws {
        let lab = try Lab()
        let created = try await lab.provider.create(Self.machine("web-6"))
        let seed = lab.directory.url.appendingPathComponent("seeds/web-6-seed.iso")
        #expect(FileManager.default.fileExists(atPath: seed.path))
        #expect(try lab.virsh("dumpxml", "--inactive", "web-6").contains("startupPolicy='optional'"), "the VM boots without the file later")
        try await lab.provider.removeBootstrapSeed(of: .virtualMachine, providerID: created.providerID, name: "web-6")
        #expect(!FileManager.default.fileExists(atPath: seed.path))
        let definition = try lab.virsh("dumpxml", "--inactive", "web-6")
        #expect(!definition.contains(seed.path) && definition.contains("device='cdrom'"), "\(definition)")
        #expect(try lab.virsh("domstate", "web-6").contains("running"))
        // Again: nothing left to remove, and that is fine.
        try await lab.provider.removeBootstrapSeed(of: .virtualMachine, providerID: created.providerID, name: "web-6")
    }

    /// A create retried after the seed was removed (the node was Ready, then the reply was
    /// lost) finds the domain by its key and writes the seed again: that seed is not the
    /// domain's, and is deleted, not left behind with its tokens.
    @Test func aRetriedCreateLeavesNoSeedTheDomainDoesNotName() async throws {
        let lab = try Lab()
        let request = Self.machine("web-7", key: "retried")
        let created = try await lab.provider.create(request)
        try await lab.provider.removeBootstrapSeed(of: .virtualMachine, providerID: created.providerID, name: "web-7")
        let seed = lab.directory.url.appendingPathComponent("seeds/web-7-seed.iso")
        #expect(!FileManager.default.fileExists(atPath: seed.path))
        let again = try await lab.provider.create(request)
        #expect(again.providerID == created.providerID, "the same domain")
        #expect(!FileManager.default.fileExists(atPath: seed.path), "the seed written again is not left behind")
        #expect(!(try lab.virsh("dumpxml", "--inactive", "web-7")).contains(seed.path))
    }

    /// Removing a seed deletes `<name>-seed.iso` by its name, whatever the domain names:
    /// also when the domain is gone, and when the libvirt calls fail.
    @Test func removingTheSeedDeletesItByNameEvenWithoutTheDomainOrLibvirt() async throws {
        let lab = try Lab()
        let created = try await lab.provider.create(Self.machine("web-8", key: "by-name"))
        let seed = lab.directory.url.appendingPathComponent("seeds/web-8-seed.iso")
        #expect(FileManager.default.fileExists(atPath: seed.path))
        try await lab.provider.removeBootstrapSeed(of: .virtualMachine, providerID: "00000000-0000-5000-8000-000000000000", name: "web-8")
        #expect(!FileManager.default.fileExists(atPath: seed.path), "deleted by name, the domain being unknown")
        #expect(try lab.virsh("dumpxml", "--inactive", "web-8").contains(seed.path), "the domain was not touched")
        // libvirtd is gone: the call fails, and the file is deleted all the same.
        try Data("a leftover seed".utf8).write(to: seed)
        lab.daemon.stop()
        await #expect(throws: ProviderError.self) {
            try await lab.provider.removeBootstrapSeed(of: .virtualMachine, providerID: created.providerID, name: "web-8")
        }
        #expect(!FileManager.default.fileExists(atPath: seed.path))
    }

    @Test func deleteRemovesTheDomainItsVolumesAndSeedButNotTheImage() async throws {
        let lab = try Lab()
        let network = try await lab.provider.create(Self.network("net-del", cidr: "10.40.0.0/24", key: "del"))
        let created = try await lab.provider.create(Self.machine("web-5", networks: ["net-del"]))
        try await lab.provider.delete(.virtualMachine, providerID: created.providerID, idempotencyKey: "d1")
        try await lab.provider.delete(.network, providerID: network.providerID, idempotencyKey: "d2")
        #expect(!(try lab.virsh("list", "--all", "--name")).contains("web-5"))
        let volumes = try lab.virsh("vol-list", "default-pool")
        #expect(!volumes.contains("web-5-") && volumes.contains("debian-12"))
        #expect(!FileManager.default.fileExists(atPath: lab.directory.url.appendingPathComponent("seeds/web-5-seed.iso").path))
        #expect(!(try lab.virsh("net-list", "--all", "--name")).contains("net-del"))
        #expect(try await lab.provider.read(.virtualMachine, providerID: created.providerID) == nil)
        try await lab.provider.delete(.virtualMachine, providerID: created.providerID, idempotencyKey: "d1")
    }

    @Test func mistakesAreClearErrors() async throws {
        let lab = try Lab()
        var request = Self.machine("web-6", userData: nil)
        request.spec = .object([("provider", .string("fra-kvm")), ("cpu", .integer(1)), ("memory", .quantity(try Quantity.parse("1Gi").get())), ("image", .string("ubuntu-24.04"))])
        let noImage = await #expect(throws: ProviderError.self) { try await lab.provider.create(request) }
        #expect(noImage?.message.contains("the storage pool default-pool has no volume ubuntu-24.04") == true, "\(String(describing: noImage))")
        let vlan = await #expect(throws: ProviderError.self) { try await lab.provider.create(Self.network("tagged", vlan: 120)) }
        #expect(vlan?.message.contains("has a vlan, and the provider has no vlanBridge") == true)
        let noSeedDirectory = LibvirtProvider(name: "fra-kvm", config: try LibvirtConfig.parse(.map([FieldValue.Entry("uri", .string(lab.daemon.uri))])).get())
        let seed = await #expect(throws: ProviderError.self) { try await noSeedDirectory.create(Self.machine("web-7")) }
        #expect(seed?.message.contains("has userData, and the provider has no imageDirectory") == true)
        let unreachable = LibvirtProvider(name: "fra-kvm", config: try LibvirtConfig.parse(.map([FieldValue.Entry("uri", .string("test+tcp://127.0.0.1:9/default"))])).get())
        let down = await #expect(throws: ProviderError.self) { try await unreachable.read(.virtualMachine, providerID: "x") }
        #expect(down?.code == .unavailable)
        #expect(down?.isRetryable == true)
        let kind = await #expect(throws: ProviderError.self) { try await lab.provider.read(.bareMetalNode, providerID: "x") }
        #expect(kind?.message.contains("not BareMetalNode") == true)
    }

    @Test(arguments: [
        (FieldValue.map([]), "spec.config.uri: required"),
        (FieldValue.map([FieldValue.Entry("uri", .string("test:///default")), FieldValue.Entry("imageDirectory", .string("seeds"))]), "spec.config.imageDirectory: expected an absolute path"),
        (FieldValue.map([FieldValue.Entry("uri", .string("test:///default")), FieldValue.Entry("maxCpu", .integer(0))]), "spec.config.maxCpu: expected a whole number from 1 to 512"),
        (FieldValue.map([FieldValue.Entry("uri", .string("test:///default")), FieldValue.Entry("maxMemory", .string("lots"))]), "spec.config.maxMemory: expected a quantity"),
        (FieldValue.map([FieldValue.Entry("uri", .string("test:///default")), FieldValue.Entry("storagepool", .string("x"))]), "spec.config.storagepool: unknown libvirt setting (did you mean 'storagePool'?)"),
    ])
    func invalidConfigsSayWhatIsWrong(config: FieldValue, message: String) {
        guard case .failure(let error) = LibvirtConfig.parse(config) else {
            Issue.record("\(config) was accepted")
            return
        }
        #expect(error.problems.contains { $0.contains(message) }, "\(error.problems)")
    }
}
