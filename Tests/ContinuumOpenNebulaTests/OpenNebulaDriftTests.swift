import ContinuumOpenNebula
import ContinuumProvider
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What the provider reads back of a VM it made: the spec's own quantities, its own disks,
/// the power the front-end's state means, and every VM still there; so that nothing it made
/// looks drifted (and is replaced) or gone (and is made twice) when it is not.
@Suite("OpenNebula provider: read back as asked, drift only when real")
struct OpenNebulaDriftTests {
    @Test func decimalSizesReadBackAsTheSpecAskedNotAsMiB() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        let request = lab.machine(memory: "4G", disks: ["10G"])
        let vm = try await lab.provider.create(request)
        #expect(vm.spec["memory"] == request.spec["memory"] && vm.spec["disks"] == request.spec["disks"], "\(vm.spec)")
        let read = try #require(try await lab.provider.read(.virtualMachine, providerID: vm.providerID))
        #expect(read.spec["memory"] == request.spec["memory"] && read.spec["disks"] == request.spec["disks"], "\(read.spec)")
        // An update to other decimal sizes records them too.
        let updated = try await lab.provider.update(lab.machine(memory: "5G", disks: ["20G"], key: "u", providerID: vm.providerID))
        #expect(updated.spec["memory"] == .quantity(try Quantity.parse("5G").get()))
        #expect(updated.spec["disks"] == .list([.object([("size", .quantity(try Quantity.parse("20G").get()))])]))
        // Resized behind Continuum's back, it reads as it is: real drift.
        try await lab.control("vm_set", [.int(OpenNebulaLab.number(vm.providerID)), .string("MEMORY"), .string("8192")])
        let drifted = try #require(try await lab.provider.read(.virtualMachine, providerID: vm.providerID))
        #expect(drifted.spec["memory"] == .quantity(try Quantity.parse("8Gi").get()))
    }

    @Test func anOperatorTemplatesSwapDiskIsNotASpecDisk() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        try await lab.control("template_add", [.int(7), .string("DISK"), .array([.array([.string("TYPE"), .string("swap")]), .array([.string("SIZE"), .string("1024")])])])
        _ = try await lab.provider.create(lab.network())
        let vm = try await lab.provider.create(lab.machine(image: "debian-12-tpl"))
        #expect(try await lab.template(vm.providerID).contains("<TYPE><![CDATA[swap]]></TYPE>"))
        #expect(vm.spec["disks"] == .list([]))
        let read = try #require(try await lab.provider.read(.virtualMachine, providerID: vm.providerID))
        #expect(read.spec["disks"] == .list([]))
    }

    /// A `power: off` create whose poweroff took effect but whose reply was lost: the retry
    /// finds the VM already POWEROFF and is done, without waiting for a RUNNING that never comes.
    @Test func aRetriedPowerOffCreateFindsTheVMOffAndIsDone() async throws {
        let lab = try OpenNebulaLab(settings: [FieldValue.Entry("stateTimeout", .string("120s"))])
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        try await lab.control("drop", [.string("one.vm.action"), .int(1)])
        await #expect(throws: ProviderError.self) { _ = try await lab.provider.create(lab.machine(power: "off", key: "k-off")) }
        let again = try await lab.provider.create(lab.machine(power: "off", key: "k-off"))
        #expect(again.outputs["state"] == .string("POWEROFF") && again.spec["power"] == .string("off"))
        let calls = try await lab.calls()
        #expect(calls["one.vm.allocate"] == 1 && calls["one.vm.action"] == 1, "one VM, powered off once: \(calls)")
    }

    @Test(arguments: [(4, "STOPPED"), (5, "SUSPENDED"), (9, "UNDEPLOYED")])
    func aStoppedSuspendedOrUndeployedVMReadsAsOffAndIsResumed(state: Int, name: String) async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        let vm = try await lab.provider.create(lab.machine())
        try await lab.control("vm_state", [.int(OpenNebulaLab.number(vm.providerID)), .int(state), .int(0)])
        let read = try #require(try await lab.provider.read(.virtualMachine, providerID: vm.providerID))
        #expect(read.spec["power"] == .string("off") && read.outputs["state"] == .string(name))
        let resumed = try await lab.provider.update(lab.machine(key: "u", providerID: vm.providerID))
        #expect(resumed.spec["power"] == .string("on") && resumed.outputs["state"] == .string("RUNNING"))
    }

    @Test(arguments: [(36, "failed", "BOOT_FAILURE"), (16, "unknown", "UNKNOWN")])
    func aVMThatFailedAfterItsCreateShowsAsDriftAndItsUpdateSaysWhy(lcm: Int, power: String, name: String) async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        let vm = try await lab.provider.create(lab.machine())
        try await lab.control("vm_state", [.int(OpenNebulaLab.number(vm.providerID)), .int(3), .int(lcm)])
        let read = try #require(try await lab.provider.read(.virtualMachine, providerID: vm.providerID))
        #expect(read.spec["power"] == .string(power) && read.revision != vm.revision)
        let error = await #expect(throws: ProviderError.self) { _ = try await lab.provider.update(lab.machine(key: "u", providerID: vm.providerID)) }
        #expect(error?.code == .invalidRequest && error?.message.contains(name) == true && error?.remedy.contains("onevm recover") == true, "\(String(describing: error))")
    }

    /// `onevm update` in replace mode drops the `CONTINUUM_*` attributes: the VM is still
    /// listed, so a refresh does not take it for deleted (and create it again).
    @Test func aVMWhoseUserTemplateWasReplacedIsStillListed() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        let vm = try await lab.provider.create(lab.machine(disks: ["1Gi"]))
        _ = try await lab.provider.client.call("one.vm.update", [.int(OpenNebulaLab.number(vm.providerID)), .string("<TEMPLATE><NOTE>by hand</NOTE></TEMPLATE>"), .int(0)])
        let revisions = try #require(try await lab.provider.revisions())
        #expect(revisions[vm.providerID] != nil, "\(revisions)")
        // Without its records, the VM reads as before they were kept: its disks are still there.
        let read = try #require(try await lab.provider.read(.virtualMachine, providerID: vm.providerID))
        #expect(read.spec["disks"] == vm.spec["disks"] && read.spec["memory"] == vm.spec["memory"], "\(read.spec)")
    }

    /// Spec text that would close a vector or open another in a template, or end a CDATA
    /// section, stays the value it is: the VM has exactly the NICs and disks asked for.
    @Test(arguments: [
        "</IMAGE></DISK><NIC><NETWORK_ID>0</NETWORK_ID></NIC>", "x\" ] NIC = [ NETWORK_ID = \"0\" ] D = [ A = \"", "y]]><NIC><NETWORK_ID>0</NETWORK_ID></NIC><![CDATA[",
        "z'\nNIC = [ NETWORK_ID = 0 ]\n",
    ])
    func hostileSpecStringsDoNotInjectTemplateAttributes(text: String) async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        try await lab.control("add_image", [.string(text)])
        let vm = try await lab.provider.create(lab.machine(image: text, disks: ["1Gi"], userData: text))
        let template = try XMLDocument(xmlString: "<T>" + (try await lab.template(vm.providerID)) + "</T>", options: [])
        let root = try #require(template.rootElement())
        #expect(root.elements(forName: "NIC").count == 1 && root.elements(forName: "DISK").count == 2, "\(root.xmlString)")
        #expect(root.elements(forName: "DISK").first?.elements(forName: "IMAGE").first?.stringValue == text)
        let read = try #require(try await lab.provider.read(.virtualMachine, providerID: vm.providerID))
        #expect(read.spec["image"] == .string(text) && read.spec["networks"] == .list([.reference(ResourceID(.network, "fra-edge"))]))
    }
}
