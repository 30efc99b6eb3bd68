import ContinuumSpec

/// The plausible outputs the sim gives its objects: gateways and IP addresses from the
/// network's CIDR, power states, API endpoints and ready node counts.
enum SimOutputs {
    static func outputs(
        for resource: ResourceID, objectID: String, spec: FieldValue, provider: String, dependencies: [ResourceID], world: [SimObject],
        previous: [String: FieldValue]?
    ) -> [String: FieldValue] {
        var outputs: [String: FieldValue] = ["id": .string(objectID)]
        switch resource.kind {
        case .provider:
            return [:]
        case .network:
            if case .string(let text)? = spec["cidr"], let cidr = try? CIDR.parse(text).get() {
                outputs["gateway"] = .string(SimAddressing.host(1, in: cidr) ?? "")
            }
        case .virtualMachine:
            outputs["ipAddress"] = previous?["ipAddress"] ?? .string(allocateAddress(spec: spec, provider: provider, world: world))
            outputs["state"] = .string(spec["power"] == .string("off") ? "stopped" : "running")
        case .bareMetalNode:
            outputs["powerState"] = .string(spec["power"] == .string("off") ? "Off" : "On")
            outputs["provisioned"] = .boolean(true)
        case .kubernetesCluster:
            outputs["apiEndpoint"] = previous?["apiEndpoint"] ?? .string("https://\(resource.name).\(provider).sim.continuum.local:6443")
            outputs["version"] = spec["version"] ?? .string("")
            var nodes = 0
            if case .integer(let replicas)? = spec["controlPlane"]?["replicas"] { nodes += replicas }
            if case .list(let pools)? = spec["nodePools"] {
                for pool in pools { if case .integer(let replicas)? = pool["replicas"] { nodes += replicas } }
            }
            nodes += dependencies.count { $0.kind == .bareMetalNode }
            outputs["readyNodes"] = .integer(nodes)
        }
        return outputs
    }

    /// The next free address on the VM's first network (after the gateway), or an empty
    /// string for a VM on no network.
    static func allocateAddress(spec: FieldValue, provider: String, world: [SimObject]) -> String {
        guard case .list(let networks)? = spec["networks"], case .reference(let first)? = networks.first,
            let network = world.first(where: { $0.resource == first && $0.provider == provider }),
            case .string(let text)? = network.spec["cidr"], let cidr = try? CIDR.parse(text).get()
        else { return "" }
        let taken = Set(world.compactMap { object -> String? in
            if case .string(let address)? = object.outputs["ipAddress"] { address } else { nil }
        })
        var offset = 2
        while let address = SimAddressing.host(offset, in: cidr) {
            if !taken.contains(address) { return address }
            offset += 1
        }
        return ""
    }
}
