public import ContinuumSpec
import Crypto

/// Expands each `KubernetesCluster` on a libvirt or OpenNebula provider into its machines, Cluster-API
/// style: one `VirtualMachine` per control-plane replica and per node-pool replica, each
/// with the k3s cloud-init of its role, generated from the cluster (its `owner`) and shown
/// in plans and the graph with it. The cluster then depends on its machines.
///
/// A machine's name carries its generation, `<cluster>-cp-v131-3fa2-0` (Kubernetes version
/// and a digest of the image), so an upgrade or an image change creates new machines and
/// removes the old ones: the planner rolls them one at a time (`RolloutLabels`). The
/// generated user data is bootstrap data, read once at first boot, so later differences
/// in it are ignored (`lifecycle.ignoreChanges: [spec.userData]`).
///
/// The `BareMetalNode`s a pool's `nodes.matchLabels` selects and that opted into the
/// cluster (`spec.cluster: <cluster name>`) join as workers: each gets
/// the k3s agent's cloud-init as `spec.userData` (so joining, leaving or upgrading
/// re-provisions the node) and waits for the control plane.
///
/// Clusters on `sim` (simulated) and `external` providers (which realise clusters
/// themselves) are left as they are; a cluster on a `redfish` provider is an error, as
/// its control plane needs machines a BMC cannot create.
public struct ClusterExpander: Sendable {
    /// Creates an expander.
    public init() {}

    /// Whether `expand` has anything to do with `resources`: a cluster on a libvirt,
    /// OpenNebula or redfish provider. When not, it gives them back as they are, so a caller
    /// may keep the resources it has instead of expanding them again.
    public func expands(_ resources: [Resource]) -> Bool {
        let machineProviders = Set(resources.compactMap { resource -> String? in
            guard case .provider(let spec) = resource.spec, spec.type == .libvirt || spec.type == .opennebula || spec.type == .redfish else { return nil }
            return resource.id.name
        })
        guard !machineProviders.isEmpty else { return false }
        return resources.contains { resource in
            guard case .kubernetesCluster(let cluster) = resource.spec else { return false }
            return machineProviders.contains(cluster.provider)
        }
    }

    /// The resources with every libvirt cluster's machines added, the bare-metal nodes its
    /// pools select made its workers, and the problems found.
    public func expand(_ resources: [Resource]) -> (resources: [Resource], diagnostics: [Diagnostic]) {
        var providerTypes: [String: ProviderType] = [:]
        for resource in resources { if case .provider(let spec) = resource.spec { providerTypes[resource.id.name] = spec.type } }
        var taken = Set(resources.map(\.id))
        var generated: [ResourceID: [Resource]] = [:]
        var joined: [ResourceID: (cluster: ResourceID, node: Resource)] = [:]
        var diagnostics: [Diagnostic] = []
        var clusters: [ResourceID: [SpecReference]] = [:]
        for resource in resources {
            guard case .kubernetesCluster(let cluster) = resource.spec, let type = providerTypes[cluster.provider] else { continue }
            switch type {
            case .libvirt, .opennebula:
                let machines = self.machines(of: resource, cluster, &diagnostics)
                for machine in machines where !taken.insert(machine.id).inserted {
                    diagnostics.append(Diagnostic(at: resource.location, "\(machine.id) is a machine of \(resource.id) and is also defined in the spec; rename that resource, or the cluster"))
                }
                generated[resource.id] = machines
                clusters[resource.id] = machines.map { SpecReference(target: $0.id, origin: .dependsOn, location: resource.location) }
                let planes = machines.filter { $0.metadata.labels[ClusterLabels.role] == ClusterLabels.controlPlane }
                for node in workers(of: resource, cluster, planes: planes, in: resources, &diagnostics) {
                    if let other = joined[node.id] {
                        diagnostics.append(Diagnostic(at: resource.location(of: "spec.nodePools"), "\(node.id) is selected by the node pools of both \(other.cluster) and \(resource.id); a node joins one cluster, so narrow one of the selectors"))
                        continue
                    }
                    joined[node.id] = (resource.id, node)
                }
            case .redfish:
                diagnostics.append(Diagnostic(at: resource.location(of: "spec.provider"),
                    "spec.provider: a KubernetesCluster cannot run on the redfish provider '\(cluster.provider)', whose BMCs cannot create control-plane machines; put the cluster on a libvirt provider and join the bare-metal nodes through a node pool's nodes.matchLabels"))
            default:
                break
            }
        }
        var expanded: [Resource] = []
        expanded.reserveCapacity(resources.count + generated.values.reduce(0) { $0 + $1.count })
        for var resource in resources {
            if let node = joined[resource.id]?.node { resource = node }
            resource.references += clusters[resource.id] ?? []
            expanded.append(resource)
            expanded += generated[resource.id] ?? []
        }
        return (expanded, diagnostics)
    }

    /// The bare-metal nodes the cluster's pools select, as its workers: each gets the k3s
    /// agent's cloud-init and waits for the control plane.
    private func workers(of resource: Resource, _ cluster: KubernetesClusterSpec, planes: [Resource], in resources: [Resource], _ diagnostics: inout [Diagnostic]) -> [Resource] {
        guard let release = K3sRelease(for: cluster.version), !planes.isEmpty else { return [] }
        var workers: [Resource] = []
        for (poolIndex, pool) in cluster.nodePools.enumerated() {
            guard let selector = pool.matchLabels else { continue }
            // Only nodes that opted into this cluster (`spec.cluster`); the graph builder
            // reports the others.
            let selected = resources.filter { NodePoolMembership.takes($0, cluster: resource.id, selector: selector) }
            for (index, var node) in selected.sorted(by: { $0.id < $1.id }).enumerated() {
                guard case .bareMetalNode(var spec) = node.spec else { continue }
                let bootstrap = K3sCloudInit(cluster: resource.id.name, machine: node.id.name, isControlPlane: false, pool: pool.name, release: release)
                spec.userData = InterpolatedString.literal(bootstrap.userData)
                node.spec = .bareMetalNode(spec)
                node.metadata.labels[ClusterLabels.cluster] = resource.id.name
                node.metadata.labels[ClusterLabels.role] = ClusterLabels.worker
                node.metadata.labels[ClusterLabels.pool] = pool.name
                node.metadata.labels[RolloutLabels.group] = resource.id.description
                node.metadata.labels[RolloutLabels.order] = String((poolIndex + 1) * 10_000 + index)
                node.references += planes.map { SpecReference(target: $0.id, origin: .dependsOn, location: resource.location(of: "spec.nodePools")) }
                workers.append(node)
            }
        }
        return workers
    }

    /// The machines of one cluster: the control plane first, then each pool in order.
    private func machines(of resource: Resource, _ cluster: KubernetesClusterSpec, _ diagnostics: inout [Diagnostic]) -> [Resource] {
        guard let release = K3sRelease(for: cluster.version) else {
            diagnostics.append(Diagnostic(at: resource.location(of: "spec.version"),
                "spec.version: no k3s release is pinned for Kubernetes \(cluster.version); use one of \(K3sRelease.supportedVersions.joined(separator: ", "))"))
            return []
        }
        if let index = cluster.nodePools.firstIndex(where: { $0.name == "cp" }) {
            diagnostics.append(Diagnostic(at: resource.location(of: "spec.nodePools"), "spec.nodePools[\(index)].name: 'cp' names the control plane's machines; choose another pool name"))
            return []
        }
        var machines: [Resource] = []
        let name = resource.id.name
        for index in 0..<cluster.controlPlaneReplicas {
            let machineName = "\(name)-cp-\(Self.generation(cluster.version, cluster.controlPlaneMachine))-\(index)"
            let bootstrap = K3sCloudInit(cluster: name, machine: machineName, isControlPlane: true, release: release)
            machines.append(machine(machineName, of: resource, cluster, cluster.controlPlaneMachine, bootstrap, order: index, serial: true))
        }
        for (poolIndex, pool) in cluster.nodePools.enumerated() {
            guard let replicas = pool.replicas, let template = pool.machine else { continue }
            for index in 0..<replicas {
                let machineName = "\(name)-\(pool.name)-\(Self.generation(cluster.version, template))-\(index)"
                let bootstrap = K3sCloudInit(cluster: name, machine: machineName, isControlPlane: false, pool: pool.name, release: release)
                machines.append(machine(machineName, of: resource, cluster, template, bootstrap, order: (poolIndex + 1) * 10_000 + index, serial: false))
            }
        }
        if let long = machines.first(where: { DNSLabel.problem(with: $0.id.name) != nil }) {
            let excess = long.id.name.count - 63
            diagnostics.append(Diagnostic(at: resource.location, "the name of \(resource.id) is too long for its machines' names (\(long.id.name) is \(long.id.name.count) characters, at most 63); shorten the cluster's name\(excess > 0 ? " by \(excess) characters" : "") or its pools' names"))
            return []
        }
        return machines
    }

    private func machine(_ name: String, of owner: Resource, _ cluster: KubernetesClusterSpec, _ template: MachineTemplate, _ bootstrap: K3sCloudInit, order: Int, serial: Bool) -> Resource {
        var labels = owner.metadata.labels
        labels[ClusterLabels.cluster] = owner.id.name
        labels[ClusterLabels.role] = bootstrap.isControlPlane ? ClusterLabels.controlPlane : ClusterLabels.worker
        labels[ClusterLabels.pool] = bootstrap.pool
        labels[RolloutLabels.group] = owner.id.description
        labels[RolloutLabels.order] = String(order)
        if serial { labels[RolloutLabels.serial] = "true" }
        let spec = VirtualMachineSpec(
            provider: cluster.provider, cpu: template.cpu, memory: template.memory, image: InterpolatedString.literal(template.image),
            networks: [cluster.network], userData: InterpolatedString.literal(bootstrap.userData))
        var resource = Resource(
            id: ResourceID(.virtualMachine, name),
            metadata: ResourceMetadata(name: name, labels: labels, annotations: ["continuum.dev/generated-from": owner.id.description]),
            lifecycle: Lifecycle(ignoreChanges: ["spec.userData"]), spec: .virtualMachine(spec), location: owner.location,
            references: [
                SpecReference(target: ResourceID(.provider, cluster.provider), origin: .provider, location: owner.location(of: "spec.provider")),
                SpecReference(target: cluster.network, origin: .field("spec.networks"), location: owner.location(of: "spec.network")),
            ])
        resource.owner = owner.id
        return resource
    }

    /// `v131-3fa2`: the version, and a digest of the image so that an image change is a
    /// new generation of machines.
    static func generation(_ version: KubernetesVersion, _ template: MachineTemplate) -> String {
        let digest = SHA256.hash(data: Array(template.image.utf8)).prefix(2).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        return "v\(version.major)\(version.minor)-\(digest)"
    }
}
