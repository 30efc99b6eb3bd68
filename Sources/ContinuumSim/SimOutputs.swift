import ContinuumSpec
import GRDB

/// The plausible outputs the sim gives its objects: gateways and IP addresses from the
/// network's CIDR, power states, API endpoints and ready node counts.
enum SimOutputs {
    /// - Parameter allocate: the next free address on the VM's first network, when the
    ///   object is new (nil keeps the previous outputs' address).
    static func outputs(
        for resource: ResourceID, objectID: String, spec: FieldValue, provider: String, dependencies: [ResourceID],
        allocate: (() throws -> String)?, previous: [String: FieldValue]?
    ) rethrows -> [String: FieldValue] {
        var outputs: [String: FieldValue] = ["id": .string(objectID)]
        switch resource.kind {
        case .provider:
            return [:]
        case .network:
            if case .string(let text)? = spec["cidr"], let cidr = try? CIDR.parse(text).get() {
                outputs["gateway"] = .string(SimAddressing.host(1, in: cidr) ?? "")
            }
        case .virtualMachine:
            outputs["ipAddress"] = try previous?["ipAddress"] ?? .string(allocate?() ?? "")
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
    /// string for a VM on no network; runs inside the world's write transaction.
    static func allocateAddress(spec: FieldValue, provider: String, in db: Database) throws -> String {
        guard case .list(let networks)? = spec["networks"], case .reference(let first)? = networks.first,
            let network = try SimWorld.network(first.name, provider: provider, in: db),
            case .string(let text)? = network.spec["cidr"], let cidr = try? CIDR.parse(text).get()
        else { return "" }
        return SimAddressing.host(try SimWorld.nextHostOffset(network: network.id, in: db), in: cidr) ?? ""
    }
}
