import ContinuumOpenNebula
import ContinuumProvider
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// The opennebula provider end to end against the stand-in built from OpenNebula's API
/// reference (scripts/opennebula_standin.py): not a real front-end, which no test here can run.
@Suite("OpenNebula provider against the stand-in")
struct OpenNebulaProviderTests {
    @Test func createsANetworkAndAVMThatRunsWithItsContextAndIdentity() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        let network = try await lab.provider.create(lab.network(vlan: 120))
        #expect(network.providerID.hasPrefix("vnet/"))
        #expect(network.outputs["gateway"] == .string("10.20.0.1"))
        #expect(network.spec["cidr"] == .string("10.20.0.0/24"))
        #expect(network.spec["vlan"] == .integer(120))
        let vm = try await lab.provider.create(lab.machine(disks: ["10Gi"], userData: "#cloud-config\nhostname: web-1\n"))
        #expect(vm.outputs["state"] == .string("RUNNING"))
        #expect(vm.outputs["ipAddress"] == .string("10.20.0.2"))
        #expect(vm.spec["cpu"] == .integer(2))
        #expect(vm.spec["networks"] == .list([.reference(ResourceID(.network, "fra-edge"))]))
        #expect(vm.spec["disks"] == .list([.object([("size", .quantity(try Quantity.parse("10Gi").get()))])]))
        let template = try await lab.template(vm.providerID)
        #expect(template.contains("<NETWORK><![CDATA[YES]]></NETWORK>"))
        #expect(template.contains(Data("#cloud-config\nhostname: web-1\n".utf8).base64EncodedString()))
        #expect(template.contains("<IMAGE><![CDATA[debian-12]]></IMAGE>"))
        let calls = try await lab.calls()
        #expect(calls["one.vm.allocate"] == 1 && calls["one.template.instantiate"] == nil)
        // Read back: the same object.
        let read = try #require(try await lab.provider.read(.virtualMachine, providerID: vm.providerID))
        #expect(read.spec == vm.spec)
    }

    /// A hostile spec author names a VLAN outside the operator's `vlans` (another tenant's,
    /// or the operator's management VLAN on the same PHYDEV): refused before any call that
    /// would make or change a virtual network.
    @Test func aVLANOutsideTheConnectionsRangeIsRefused() async throws {
        let lab = try OpenNebulaLab(settings: [FieldValue.Entry("vlans", .string("100-199, 300"))])
        defer { lab.stop() }
        for vlan in [1, 99, 200, 4094] {
            let error = await #expect(throws: ProviderError.self) { _ = try await lab.provider.create(lab.network(vlan: vlan)) }
            #expect(error?.code == .invalidRequest && error?.message.contains("spec.vlan \(vlan) is not one of the VLANs connection 'one-fra' offers (100-199,300)") == true,
                "\(String(describing: error))")
        }
        #expect(try await lab.calls()["one.vn.allocate"] == nil)
        let network = try await lab.provider.create(lab.network(vlan: 150))
        #expect(network.spec["vlan"] == .integer(150))
        await #expect(throws: ProviderError.self) { _ = try await lab.provider.update(lab.network(vlan: 10, key: "u", providerID: network.providerID)) }
        #expect(try await lab.calls()["one.vn.update"] == nil)
        #expect(try await lab.provider.update(lab.network(vlan: 300, key: "u2", providerID: network.providerID)).spec["vlan"] == .integer(300))
    }

    @Test func anImageTheConnectionMapsToATemplateIsInstantiatedFromIt() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        let vm = try await lab.provider.create(lab.machine(image: "debian-12-tpl"))
        #expect(vm.outputs["state"] == .string("RUNNING"))
        #expect(vm.spec["image"] == .string("debian-12-tpl"))
        let calls = try await lab.calls()
        #expect(calls["one.template.instantiate"] == 1 && calls["one.vm.allocate"] == nil)
        #expect(try await lab.template(vm.providerID).contains("<TEMPLATE_ID><![CDATA[7]]></TEMPLATE_ID>"))
    }

    @Test func aRefreshOfManyVMsIsOnePoolCallAndSeesDrift() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        var vms: [ObservedObject] = []
        for index in 0..<5 { vms.append(try await lab.provider.create(lab.machine("web-\(index)"))) }
        try await lab.control("reset_calls")
        let first = try #require(try await lab.provider.revisions())
        let second = try #require(try await lab.provider.revisions())
        #expect(first.count == 6)
        #expect(first == second, "an unchanged front-end lists the same revisions")
        #expect(try await lab.calls() == ["one.vmpool.infoextended": 2, "one.vnpool.info": 2], "one pool call per kind per refresh, none per VM")
        // Someone resizes web-3 behind Continuum's back: its revision changes, no other.
        try await lab.control("vm_set", [.int(OpenNebulaLab.number(vms[3].providerID)), .string("VCPU"), .string("4")])
        let third = try #require(try await lab.provider.revisions())
        #expect(third.filter { first[$0.key] != $0.value }.map(\.key) == [vms[3].providerID])
        let drifted = try #require(try await lab.provider.read(.virtualMachine, providerID: vms[3].providerID))
        #expect(drifted.spec["cpu"] == .integer(4))
        // Corrected by an update to the spec's 2 vCPUs (powered off, resized, resumed).
        let corrected = try await lab.provider.update(lab.machine("web-3", key: "u", providerID: vms[3].providerID))
        #expect(corrected.spec["cpu"] == .integer(2))
        #expect(corrected.outputs["state"] == .string("RUNNING"))
    }

    @Test func resizePowersOffResizesAndResumesAndPowerFollowsTheSpec() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        let vm = try await lab.provider.create(lab.machine(disks: ["1Gi"]))
        try await lab.control("reset_calls")
        let resized = try await lab.provider.update(lab.machine(cpu: 4, memory: "8Gi", disks: ["2Gi"], key: "u1", providerID: vm.providerID))
        #expect(resized.spec["cpu"] == .integer(4))
        #expect(resized.spec["memory"] == .quantity(try Quantity.parse("8Gi").get()))
        #expect(resized.spec["disks"] == .list([.object([("size", .quantity(try Quantity.parse("2Gi").get()))])]))
        #expect(resized.outputs["state"] == .string("RUNNING"))
        let calls = try await lab.calls()
        #expect(calls["one.vm.resize"] == 1 && calls["one.vm.diskresize"] == 1 && calls["one.vm.action"] == 2, "poweroff and resume: \(calls)")
        let off = try await lab.provider.update(lab.machine(cpu: 4, memory: "8Gi", disks: ["2Gi"], power: "off", key: "u2", providerID: vm.providerID))
        #expect(off.spec["power"] == .string("off") && off.outputs["state"] == .string("POWEROFF"))
        let on = try await lab.provider.update(lab.machine(cpu: 4, memory: "8Gi", disks: ["2Gi"], key: "u3", providerID: vm.providerID))
        #expect(on.spec["power"] == .string("on") && on.outputs["state"] == .string("RUNNING"))
        let shrink = await #expect(throws: ProviderError.self) {
            _ = try await lab.provider.update(lab.machine(cpu: 4, memory: "8Gi", disks: ["1Gi"], key: "u4", providerID: vm.providerID))
        }
        #expect(shrink?.code == .invalidRequest && shrink?.message.contains("cannot shrink") == true)
    }

    @Test func deleteTerminatesAndAGoneObjectIsDeleted() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        let network = try await lab.provider.create(lab.network())
        let vm = try await lab.provider.create(lab.machine())
        try await lab.provider.delete(.virtualMachine, providerID: vm.providerID, idempotencyKey: "d1")
        #expect(try await lab.provider.read(.virtualMachine, providerID: vm.providerID) == nil)
        try await lab.provider.delete(.virtualMachine, providerID: vm.providerID, idempotencyKey: "d2")
        try await lab.provider.delete(.network, providerID: network.providerID, idempotencyKey: "d3")
        #expect(try await lab.provider.read(.network, providerID: network.providerID) == nil)
        try await lab.provider.delete(.network, providerID: network.providerID, idempotencyKey: "d4")
        #expect(try await lab.provider.read(.virtualMachine, providerID: "vm/999") == nil)
        #expect(try #require(try await lab.provider.revisions()).isEmpty)
    }

    @Test func aCreateWhoseReplyWasLostIsAdoptedNotMadeTwice() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        try await lab.control("drop", [.string("one.vm.allocate"), .int(1)])
        let lost = await #expect(throws: ProviderError.self) { _ = try await lab.provider.create(lab.machine(key: "k-1")) }
        #expect(lost?.isRetryable == true, "\(String(describing: lost))")
        let adopted = try #require(try await lab.provider.lookup(ResourceID(.virtualMachine, "web-1"), idempotencyKey: "k-1"))
        #expect(try await lab.provider.lookup(ResourceID(.virtualMachine, "web-1"), idempotencyKey: "another-key") == nil)
        let again = try await lab.provider.create(lab.machine(key: "k-1"))
        #expect(again.providerID == adopted.providerID)
        #expect(again.outputs["state"] == .string("RUNNING"))
        #expect(try await lab.calls()["one.vm.allocate"] == 1, "the retried create waited for the first VM")
    }

    /// A newer commit cuts a boot that never ends short (`WaitCancellation`): the create
    /// fails retryably, and the lookup the runner then makes records the VM as it is.
    @Test func aNewerCommitCutsTheBootWaitAndTheVMIsFoundAsItIs() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        // New VMs are held in PROLOG: this one never boots while the create waits.
        try await lab.control("hold_boot", [.bool(true)])
        let waits = WaitCancellation()
        let provider = lab.provider
        let request = lab.machine(key: "k-boot")
        let creating = Task { try await WaitCancellation.$current.withValue(waits) { try await provider.create(request) } }
        var vmID: Int?
        let deadline = ContinuousClock.now + .seconds(120)
        while vmID == nil, ContinuousClock.now < deadline {
            if case .array(let vms) = try await lab.control("vms"), case .array(let first)? = vms.first, case .int(let id)? = first.first { vmID = id }
            if vmID == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let id = try #require(vmID)
        waits.cancel(reason: "commit 1a2b3c is newer")
        let cut = await #expect(throws: ProviderError.self) { _ = try await creating.value }
        #expect(cut?.isRetryable == true)
        #expect(cut?.message.contains("commit 1a2b3c is newer") == true, "\(String(describing: cut))")
        let found = try await WaitCancellation.$current.withValue(waits) {
            try await provider.lookup(ResourceID(.virtualMachine, "web-1"), idempotencyKey: "k-boot")
        }
        #expect(found?.providerID == "vm/\(id)", "found by its key without waiting for the boot")
        #expect(try await lab.calls()["one.vm.allocate"] == 1)
    }

    @Test func aVMThatFailsFailsTheCreateWithOpenNebulasErrorAndIsTerminated() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        let error = await #expect(throws: ProviderError.self) { _ = try await lab.provider.create(lab.machine(image: "broken-image")) }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message.contains("PROLOG_FAILURE") == true && error?.message.contains("no space left on device") == true, "\(String(describing: error))")
        #expect(try await lab.calls()["one.vm.action"] == 1, "the failed VM was terminated (terminate-hard)")
        // It goes through EPILOG, one step per listing, to DONE, and is then listed no more.
        var listed = try #require(try await lab.provider.revisions())
        for _ in 0..<5 where listed.keys.contains(where: { $0.hasPrefix("vm/") }) { listed = try #require(try await lab.provider.revisions()) }
        #expect(listed.keys.allSatisfy { $0.hasPrefix("vnet/") })
    }

    @Test func anImageTheFrontEndLacksIsAnAllocateErrorNotRetried() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        let error = await #expect(throws: ProviderError.self) { _ = try await lab.provider.create(lab.machine(image: "windows-11")) }
        #expect(error?.code == .invalidRequest && error?.isRetryable == false)
        #expect(error?.message.contains("ALLOCATE") == true && error?.message.contains("windows-11") == true, "\(String(describing: error))")
    }

    @Test func aLockedVMIsRetriedLater() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        let vm = try await lab.provider.create(lab.machine())
        try await lab.control("vm_lock", [.int(OpenNebulaLab.number(vm.providerID)), .int(4)])
        let error = await #expect(throws: ProviderError.self) { _ = try await lab.provider.update(lab.machine(power: "off", key: "u", providerID: vm.providerID)) }
        #expect(error?.code == .transient && error?.message.contains("LOCKED") == true, "\(String(describing: error))")
        try await lab.control("vm_lock", [.int(OpenNebulaLab.number(vm.providerID)), .int(0)])
        let off = try await lab.provider.update(lab.machine(power: "off", key: "u", providerID: vm.providerID))
        #expect(off.outputs["state"] == .string("POWEROFF"))
    }

    @Test func theSeedIsRemovedFromTheContextOnceTheMachineBooted() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        // From the operator's template, which brings an OS section that must survive.
        let vm = try await lab.provider.create(lab.machine(image: "debian-12-tpl", userData: "#cloud-config\ntoken: join-token-123\n"))
        let encoded = Data("#cloud-config\ntoken: join-token-123\n".utf8).base64EncodedString()
        #expect(try await lab.template(vm.providerID).contains(encoded))
        try await lab.provider.removeBootstrapSeed(of: .virtualMachine, providerID: vm.providerID, name: "web-1")
        let template = try await lab.template(vm.providerID)
        #expect(!template.contains(encoded) && !template.contains("USER_DATA"))
        #expect(template.contains("<NETWORK><![CDATA[YES]]></NETWORK>") && template.contains("<SET_HOSTNAME><![CDATA[web-1]]></SET_HOSTNAME>"))
        #expect(template.contains("<OS><ARCH><![CDATA[x86_64]]></ARCH></OS>"), "the sections updateconf replaces are sent back: \(template)")
        #expect(template.contains("<CPU_MODEL><MODEL><![CDATA[host-passthrough]]></MODEL></CPU_MODEL>"), "CPU_MODEL too: \(template)")
        // Once taken out, bootstrap data is not handed out again by a later update.
        _ = try await lab.provider.update(lab.machine(cpu: 3, image: "debian-12-tpl", userData: "#cloud-config\ntoken: join-token-123\n", key: "u", providerID: vm.providerID))
        #expect(!(try await lab.template(vm.providerID)).contains("USER_DATA"))
    }

    @Test func newUserDataGoesIntoTheContextKeepingTheRest() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.network())
        let vm = try await lab.provider.create(lab.machine(image: "debian-12-tpl", userData: "#cloud-config\nhostname: one\n"))
        let changed = try await lab.provider.update(lab.machine(image: "debian-12-tpl", userData: "#cloud-config\nhostname: two\n", key: "u", providerID: vm.providerID))
        let after = try await lab.template(changed.providerID)
        #expect(after.contains(Data("#cloud-config\nhostname: two\n".utf8).base64EncodedString()), "\(after)")
        #expect(after.contains("<OS>") && after.contains("<SET_HOSTNAME><![CDATA[web-1]]></SET_HOSTNAME>"))
        try await lab.control("reset_calls")
        _ = try await lab.provider.update(lab.machine(image: "debian-12-tpl", userData: "#cloud-config\nhostname: two\n", key: "u2", providerID: vm.providerID))
        #expect(try await lab.calls()["one.vm.updateconf"] == nil, "unchanged user data is not sent again")
    }
}
