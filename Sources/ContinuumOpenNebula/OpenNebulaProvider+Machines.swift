import ContinuumProvider
import ContinuumSpec
import Crypto
import Foundation

extension OpenNebulaProvider {
    /// The VM `id`; nil when the front-end has no such VM.
    func vmInfo(_ id: Int) async throws(ProviderError) -> OneVirtualMachine? {
        guard let value = try await callIfExists("one.vm.info", [.int(id), .bool(false)]) else { return nil }
        return try elements("VM", in: try document(value, "one.vm.info")).first.flatMap(OneVirtualMachine.init)
    }

    /// The session user's VMs that are not DONE, from one `one.vmpool.infoextended` call;
    /// with `name`, the front-end is asked for those of that name only (its `VM.NAME=`
    /// filter: a front-end that ignores it lists them all, and the caller matches anyway).
    func machinePool(named name: String? = nil) async throws(ProviderError) -> [OneVirtualMachine] {
        let filter: [XMLRPCValue] = name.map { [.string("VM.NAME=\($0)")] } ?? []
        let value = try await call("one.vmpool.infoextended", [.int(-3), .int(-1), .int(-1), .int(-1)] + filter)
        return try elements("VM", in: try document(value, "one.vmpool.infoextended")).compactMap(OneVirtualMachine.init)
    }

    /// The VM as a live spec. `userData` is left out (the recorded value stands: it is
    /// bootstrap data, and a cluster machine's carries generated tokens); the image is the
    /// one recorded in `CONTINUUM_IMAGE`. Memory and disk sizes are the quantities the spec
    /// asked for (recorded in `CONTINUUM_MEMORY` and `CONTINUUM_DISKS`) while they round to
    /// the live MiB, so that `4G` reads back as `4G`, not as the 3815 MiB OpenNebula keeps;
    /// a size changed behind Continuum's back reads as it is. The disks are those Continuum
    /// made (tagged `CONTINUUM_DISK`), not an operator template's swap.
    func observe(_ vm: OneVirtualMachine, networkNames: [Int: String] = [:]) -> ObservedObject {
        let recordedDisks = (vm.attributes["CONTINUUM_DISKS"] ?? "").split(separator: ",").map { Int64($0) }
        let disks = vm.dataDisks.enumerated().map { index, disk in
            FieldValue.object([("size", Self.quantity(live: disk.sizeMB, recorded: index < recordedDisks.count ? recordedDisks[index] : nil).map(FieldValue.quantity))])
        }
        let networks = vm.nics.compactMap { nic in nic.network ?? nic.networkID.flatMap { networkNames[$0] } }
        let spec = FieldValue.object([
            ("provider", .string(name)), ("cpu", vm.vcpu.map(FieldValue.integer)),
            ("memory", Self.quantity(live: vm.memoryMB, recorded: vm.attributes["CONTINUUM_MEMORY"].flatMap { Int64($0) }).map(FieldValue.quantity)),
            ("image", vm.attributes["CONTINUUM_IMAGE"].map(FieldValue.string)), ("disks", .list(disks)),
            ("networks", .list(networks.map { .reference(ResourceID(.network, $0)) })),
            ("power", .string(vm.status.power)),
        ])
        let addresses = vm.nics.compactMap(\.ip)
        let outputs: [String: FieldValue] = [
            "id": .string(String(vm.id)), "ipAddress": .string(addresses.first ?? ""), "ipAddresses": .list(addresses.map(FieldValue.string)),
            "state": .string(vm.status.description),
        ]
        return Self.revised(ObservedObject(providerID: "vm/\(vm.id)", spec: spec, outputs: outputs))
    }

    // MARK: Create

    func createMachine(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        let machine = try request.virtualMachine(provider: name)
        // A create that ran before (a lost reply, a crash, a retry after a timeout) made
        // this VM already: it is waited for, not made twice.
        if let existing = try await machinePool(named: request.id.name).first(where: { owns($0.attributes) && $0.attributes["CONTINUUM_KEY"] == request.idempotencyKey && $0.attributes["CONTINUUM_ID"] == request.id.description }) {
            return try await settle(existing.id, machine, name: request.id.name)
        }
        let template = try await machineTemplate(request.id, machine, key: request.idempotencyKey)
        let id: Int
        if let templateID = config.templates[machine.image] {
            // The operator's template brings the disks and its defaults; the spec's capacity,
            // NICs, context and identity are merged on top.
            id = try number(try await call("one.template.instantiate", [.int(templateID), .string(request.id.name), .bool(false), .string(template), .bool(false)]), "one.template.instantiate")
        } else {
            id = try number(try await call("one.vm.allocate", [.string(template), .bool(false)]), "one.vm.allocate")
        }
        return try await settle(id, machine, name: request.id.name)
    }

    /// Waits until the new VM runs or is powered off (a retried create whose poweroff took
    /// effect before its reply was lost), failing with OpenNebula's error text if it fails,
    /// then brings it to the spec's power.
    private func settle(_ id: Int, _ machine: ResolvedVirtualMachine, name: String) async throws(ProviderError) -> ObservedObject {
        var vm = try await wait(for: id, until: { $0.isRunning || $0.isPoweredOff }, "RUNNING", terminateOnFailure: true, preemptible: true)
        if machine.power == .off, !vm.status.isPoweredOff {
            try await call("one.vm.action", [.string("poweroff"), .int(id)])
            vm = try await wait(for: id, until: \.isPoweredOff, "POWEROFF")
        } else if machine.power == .on, vm.status.isPoweredOff {
            try await call("one.vm.action", [.string("resume"), .int(id)])
            vm = try await wait(for: id, until: \.isRunning, "RUNNING")
        }
        return observe(vm)
    }

    /// The `one.vm.allocate` template (or the extra template of `one.template.instantiate`).
    private func machineTemplate(_ resource: ResourceID, _ machine: ResolvedVirtualMachine, key: String) async throws(ProviderError) -> String {
        var entries: [OpenNebulaXML.Entry] = [
            .single("NAME", resource.name), .single("CPU", String(machine.cpu)), .single("VCPU", String(machine.cpu)),
            .single("MEMORY", String(Self.megabytes(machine.memory.bytes))),
        ]
        if config.templates[machine.image] == nil {
            if let allowed = config.images, !allowed.contains(machine.image) {
                let offered = (config.templates.keys.sorted() + allowed).joined(separator: ", ")
                throw ProviderError(.invalidRequest, provider: name, message: "\(resource): spec.image '\(machine.image)' is not one of the images connection '\(connection)' offers (\(offered))",
                    remedy: "use one of them, or ask the operator to add the image to the connection's templates or images")
            }
            var disk: [(String, String)] = [("IMAGE", machine.image)]
            if let owner = config.imageOwner { disk.append(("IMAGE_UNAME", owner)) }
            entries.append(.vector("DISK", disk))
        }
        for size in machine.disks {
            entries.append(.vector("DISK", [("TYPE", "fs"), ("SIZE", String(Self.megabytes(size.bytes))), ("FORMAT", "raw"), ("CONTINUUM_DISK", "YES")]))
        }
        let networks = try await networkIDs(machine.networks, for: resource)
        for network in machine.networks {
            if let id = networks[network] { entries.append(.vector("NIC", [("NETWORK_ID", String(id))])) }
        }
        entries.append(.vector("CONTEXT", context(machine.userData, hostname: resource.name)))
        entries += identity(resource, key: key) + [.single("CONTINUUM_IMAGE", machine.image)] + Self.recordedSizes(machine)
        if let userData = machine.userData { entries.append(.single("CONTINUUM_USER_DATA", Self.digest(userData))) }
        return OpenNebulaXML.template(entries)
    }

    /// The `CONTEXT` vector: networking from OpenNebula, the hostname, and the cloud-init
    /// user data base64-encoded.
    func context(_ userData: String?, hostname: String) -> [(String, String)] {
        var context: [(String, String)] = [("NETWORK", "YES"), ("SET_HOSTNAME", hostname)]
        if let userData {
            context += [("USER_DATA", Data(userData.utf8).base64EncodedString()), ("USERDATA_ENCODING", "base64")]
        }
        return context
    }

    /// The virtual network IDs of `networks`: this provider's virtual networks made for them.
    private func networkIDs(_ networks: [ResourceID], for resource: ResourceID) async throws(ProviderError) -> [ResourceID: Int] {
        guard !networks.isEmpty else { return [:] }
        var ids: [ResourceID: Int] = [:]
        for vnet in try await networkPool() where owns(vnet.attributes) {
            if let id = vnet.attributes["CONTINUUM_ID"], let network = networks.first(where: { $0.description == id }) { ids[network] = vnet.id }
        }
        if let missing = networks.first(where: { ids[$0] == nil }) {
            throw ProviderError(.invalidRequest, provider: name, message: "\(resource) attaches to \(missing), which has no virtual network of provider '\(name)' on the front-end",
                remedy: "put \(missing) on the same provider as the VM, and apply it first")
        }
        return ids
    }

    /// Polls the VM until `reached` holds of its state. A FAILURE state fails with the
    /// VM's `ERROR` (after terminating it when `terminateOnFailure`: a failed create leaves
    /// nothing running, and `onevm show` still has its log). A `preemptible` wait (a new
    /// VM's boot) is cut short when a newer commit pre-empts the apply (`WaitCancellation`):
    /// the VM exists and is recorded through its key; the next reconcile waits again.
    func wait(
        for id: Int, until reached: (OneVMState) -> Bool, _ target: String, terminateOnFailure: Bool = false, preemptible: Bool = false
    ) async throws(ProviderError) -> OneVirtualMachine {
        let deadline = ContinuousClock.now + config.stateTimeout
        while true {
            guard let vm = try await vmInfo(id), !vm.status.isDone else {
                throw ProviderError(.notFound, provider: name, message: "VM \(id) disappeared while waiting for \(target)", remedy: "someone terminated it; apply again")
            }
            if reached(vm.status) { return vm }
            if vm.status.isFailure {
                let reason = vm.attributes["ERROR"] ?? "OpenNebula gave no ERROR"
                var left = "it is left as it is for inspection"
                if terminateOnFailure, (try? await call("one.vm.action", [.string("terminate-hard"), .int(id)])) != nil {
                    left = "it was terminated; `onevm show \(id)` keeps its log"
                }
                throw ProviderError(.invalidRequest, provider: name, message: "VM \(id) (\(vm.name)) entered \(vm.status) on connection '\(connection)': \(reason); \(left)",
                    remedy: "fix the cause OpenNebula names (image, datastore, host capacity), then apply again")
            }
            guard ContinuousClock.now < deadline else {
                throw ProviderError(.transient, provider: name, message: "VM \(id) (\(vm.name)) did not reach \(target) within \(DurationText.format(config.stateTimeout)); it is \(vm.status)",
                    remedy: "check the front-end's scheduler and hosts; raise the connection's stateTimeout if it is slow")
            }
            if preemptible {
                guard await WaitCancellation.sleep(for: config.pollInterval) else {
                    let why = WaitCancellation.current?.reason ?? "it was cancelled"
                    throw ProviderError(.transient, provider: name, message: "stopped waiting for VM \(id) (\(vm.name)) to reach \(target): \(why)", remedy: "the next reconcile waits again")
                }
            } else {
                try? await Task.sleep(for: config.pollInterval)
            }
            try Self.checkCancellation(name)
        }
    }

    static func checkCancellation(_ provider: String) throws(ProviderError) {
        if Task.isCancelled { throw ProviderError(.transient, provider: provider, message: "cancelled", remedy: "the operation is retried") }
    }

    /// The MiB OpenNebula is given for `bytes` (`MEMORY`, a disk's `SIZE`): rounded up.
    static func megabytes(_ bytes: Int64) -> Int64 { (bytes + 1_048_575) / 1_048_576 }

    /// The size to report of a live `MiB` value: the `recorded` quantity the spec asked for
    /// when it rounds to it, else the live value.
    static func quantity(live: Int?, recorded: Int64?) -> Quantity? {
        guard let live else { return nil }
        if let recorded, megabytes(recorded) == Int64(live) { return Quantity(bytes: recorded) }
        return Quantity(bytes: Int64(live) * 1_048_576)
    }

    /// The user-template attributes recording the quantities `machine` asks for.
    static func recordedSizes(_ machine: ResolvedVirtualMachine) -> [OpenNebulaXML.Entry] {
        [.single("CONTINUUM_MEMORY", String(machine.memory.bytes)), .single("CONTINUUM_DISKS", machine.disks.map { String($0.bytes) }.joined(separator: ","))]
    }

    // MARK: Update

    func updateMachine(_ request: ProviderRequest, id: Int) async throws(ProviderError) -> ObservedObject {
        let machine = try request.virtualMachine(provider: name)
        guard var vm = try await vmInfo(id), !vm.status.isDone else {
            throw ProviderError(.notFound, provider: name, message: "VM \(id) of \(request.id) is gone", remedy: "it is created again at the next apply")
        }
        if vm.status.isFailure || vm.status.isUnknown {
            throw ProviderError(.invalidRequest, provider: name, message: "\(request.id): VM \(id) is in \(vm.status) on connection '\(connection)': \(vm.attributes["ERROR"] ?? "OpenNebula gave no ERROR")",
                remedy: "recover it on the front-end (`onevm recover \(id)`, or `onevm resume` once its host is back), or delete it so that it is created again")
        }
        let memory = Int(Self.megabytes(machine.memory.bytes))
        let resize = vm.vcpu != machine.cpu || vm.memoryMB != memory
        if !vm.status.isOff, machine.power == .off || (resize && !config.resizeWhileRunning) {
            // Off first: the spec wants it off, or the hypervisor resizes stopped VMs only.
            try await call("one.vm.action", [.string("poweroff"), .int(id)])
            vm = try await wait(for: id, until: \.isPoweredOff, "POWEROFF")
        }
        if resize {
            let template = OpenNebulaXML.template([.single("CPU", String(machine.cpu)), .single("VCPU", String(machine.cpu)), .single("MEMORY", String(memory))])
            try await call("one.vm.resize", [.int(id), .string(template), .bool(false)])
        }
        for (index, size) in machine.disks.enumerated() {
            let wanted = Int(Self.megabytes(size.bytes))
            guard index < vm.dataDisks.count else { break }
            let disk = vm.dataDisks[index]
            if let current = disk.sizeMB, current > wanted {
                throw ProviderError(.invalidRequest, provider: name, message: "\(request.id): disk \(index) is \(current) MB and OpenNebula cannot shrink a disk to \(wanted) MB",
                    remedy: "keep the size, or replace the VM")
            }
            if disk.sizeMB != wanted { try await call("one.vm.diskresize", [.int(id), .int(disk.id), .string(String(wanted))]) }
        }
        try await changeNICs(vm, to: machine.networks, for: request.id)
        // New user data goes into CONTEXT, unless its user data was taken out once the VM
        // booted (a cluster machine's seed): bootstrap data is not handed out again.
        let seedRemoved = !vm.hasUserData && vm.attributes["CONTINUUM_USER_DATA"] != nil
        var recorded = Self.recordedSizes(machine).filter { entry in
            guard case .single(let key, let value) = entry else { return true }
            return vm.attributes[key] != value
        }
        if let userData = machine.userData, !seedRemoved, vm.attributes["CONTINUUM_USER_DATA"] != Self.digest(userData) {
            try await updateContext(of: vm, userData: userData)
            recorded.append(.single("CONTINUUM_USER_DATA", Self.digest(userData)))
        }
        if !recorded.isEmpty { try await call("one.vm.update", [.int(id), .string(OpenNebulaXML.template(recorded)), .int(1)]) }
        if machine.power == .on, vm.status.isOff || resize {
            // Resume brings back a POWEROFF, STOPPED, SUSPENDED or UNDEPLOYED VM alike.
            if let current = try await vmInfo(id), current.status.isOff { try await call("one.vm.action", [.string("resume"), .int(id)]) }
            vm = try await wait(for: id, until: \.isRunning, "RUNNING")
        } else if let current = try await vmInfo(id) {
            vm = current
        }
        return observe(vm)
    }

    /// Attaches NICs on the networks the spec adds and detaches those on networks it dropped.
    private func changeNICs(_ vm: OneVirtualMachine, to networks: [ResourceID], for resource: ResourceID) async throws(ProviderError) {
        let current = vm.nics.map { $0.network ?? "" }
        let wanted = networks.map(\.name)
        guard current != wanted else { return }
        var remaining = wanted
        for nic in vm.nics {
            if let index = remaining.firstIndex(of: nic.network ?? "") { remaining.remove(at: index) } else {
                try await call("one.vm.detachnic", [.int(vm.id), .int(nic.id)])
            }
        }
        guard !remaining.isEmpty else { return }
        let ids = try await networkIDs(networks.filter { remaining.contains($0.name) }, for: resource)
        for network in networks where remaining.contains(network.name) {
            guard let id = ids[network] else { continue }
            try await call("one.vm.attachnic", [.int(vm.id), .string(OpenNebulaXML.template([.vector("NIC", [("NETWORK_ID", String(id))])]))])
        }
    }

    // MARK: Delete

    /// Terminates the VM (`terminate-hard`) and waits until it is DONE; a VM that is
    /// already gone is deleted.
    func deleteMachine(_ id: Int) async throws(ProviderError) {
        guard let vm = try await vmInfo(id), !vm.status.isDone else { return }
        guard try await callIfExists("one.vm.action", [.string("terminate-hard"), .int(id)]) != nil else { return }
        let deadline = ContinuousClock.now + config.stateTimeout
        var retried = false
        while ContinuousClock.now < deadline {
            guard let vm = try await vmInfo(id), !vm.status.isDone else { return }
            if vm.status.isFailure, !retried {
                // EPILOG_FAILURE: the hypervisor's clean-up failed; terminate-hard again, once.
                retried = true
                try await call("one.vm.action", [.string("terminate-hard"), .int(id)])
            }
            try? await Task.sleep(for: config.pollInterval)
            try Self.checkCancellation(name)
        }
        throw ProviderError(.transient, provider: name, message: "VM \(id) was not DONE within \(DurationText.format(config.stateTimeout)) of its terminate-hard",
            remedy: "check the front-end; raise the connection's stateTimeout if it is slow")
    }

    // MARK: Seed

    /// Removes the cloud-init user data (a cluster machine's join token) from the VM's
    /// `CONTEXT` once it has booted (`one.vm.updateconf`), so that it is no longer readable
    /// from the front-end by whoever may read the VM.
    public func removeBootstrapSeed(of kind: ResourceKind, providerID: String, name: String) async throws(ProviderError) {
        guard kind == .virtualMachine, let (_, id) = try? parse(providerID, kind) else { return }
        guard let vm = try await vmInfo(id), !vm.status.isDone, vm.hasUserData else { return }
        try await updateContext(of: vm, userData: nil)
    }

    /// Replaces the VM's `CONTEXT` user data (removes it, with nil) through
    /// `one.vm.updateconf`, sending back every section that call replaces as it is (the
    /// other `CONTEXT` keys OpenNebula added too), so that nothing else changes. The
    /// update type parameter (6.8 and later) is left out: replace is the default.
    private func updateContext(of vm: OneVirtualMachine, userData: String?) async throws(ProviderError) {
        let sections = vm.configuration.map { entry -> OpenNebulaXML.Entry in
            guard case .vector("CONTEXT", let values) = entry else { return entry }
            var kept = values.filter { !["USER_DATA", "USERDATA_ENCODING"].contains($0.0) }
            if let userData { kept += [("USER_DATA", Data(userData.utf8).base64EncodedString()), ("USERDATA_ENCODING", "base64")] }
            return .vector("CONTEXT", kept)
        }
        try await call("one.vm.updateconf", [.int(vm.id), .string(OpenNebulaXML.template(sections))])
    }

    /// A digest of the user data, recorded in `CONTINUUM_USER_DATA` to tell a change.
    static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
