/// `kind: KubernetesCluster`.
public struct KubernetesClusterSpec: Sendable, Hashable {
    /// The `Provider` it runs on.
    public var provider: String
    /// The Kubernetes minor version.
    public var version: KubernetesVersion
    /// The network its machines attach to.
    public var network: ResourceID
    /// Control-plane size: 1, 3 or 5.
    public var controlPlaneReplicas: Int
    /// Control-plane machine shape.
    public var controlPlaneMachine: MachineTemplate
    /// Worker pools.
    public var nodePools: [NodePool]

    static let fields = ["provider", "version", "network", "controlPlane", "nodePools"]
    static let required = ["provider", "version", "network", "controlPlane"]

    static func decode(_ fields: MappingFields, context: DecodingContext, references: inout ReferenceCollector) -> KubernetesClusterSpec? {
        let path: FieldPath = "spec"
        let provider = ResourceSpec.decodeProvider(fields, context: context, references: &references)
        var version: KubernetesVersion?
        if let node = fields.present("version"), let text = context.string(node, at: path.appending("version")) {
            version = KubernetesVersion(text)
            if version == nil {
                context.error(node, path.appending("version"), "'\(text)' is not a Kubernetes version; write MAJOR.MINOR in quotes, for example \"1.31\"")
            }
        }
        let network = fields.present("network").flatMap { node in
            context.reference(node, at: path.appending("network"), kinds: [.network]).map { id in
                references.add(id, .field(path.appending("network")), at: node.location)
                return id
            }
        }
        var replicas: Int?
        var machine: MachineTemplate?
        if let node = fields.present("controlPlane") {
            let planePath = path.appending("controlPlane")
            if let plane = context.fields(of: node, at: planePath, allowed: ["replicas", "machine"], required: ["replicas", "machine"]) {
                replicas = plane.present("replicas").flatMap { context.integer($0, at: planePath.appending("replicas"), oneOf: [1, 3, 5]) }
                machine = plane.present("machine").flatMap { MachineTemplate.decode($0, at: planePath.appending("machine"), context: context) }
            }
        }
        var pools: [NodePool] = []
        if let node = fields.present("nodePools") {
            var seen: Set<String> = []
            for (index, item) in (context.items(of: node, at: path.appending("nodePools")) ?? []).enumerated() {
                let poolPath = path.appending("nodePools").appending(index: index)
                guard let pool = NodePool.decode(item, at: poolPath, context: context) else { continue }
                if !seen.insert(pool.name).inserted {
                    context.error(item, poolPath.appending("name"), "duplicate pool name '\(pool.name)'; pool names are unique in a cluster")
                    continue
                }
                pools.append(pool)
            }
        }
        guard let provider, let version, let network, let replicas, let machine else { return nil }
        return KubernetesClusterSpec(
            provider: provider, version: version, network: network, controlPlaneReplicas: replicas,
            controlPlaneMachine: machine, nodePools: pools)
    }

    /// The canonical value of the spec.
    public var fieldValue: FieldValue {
        .object([
            ("provider", .string(provider)),
            ("version", .string(version.description)),
            ("network", .reference(network)),
            ("controlPlane", .object([("replicas", .integer(controlPlaneReplicas)), ("machine", controlPlaneMachine.fieldValue)])),
            ("nodePools", .list(nodePools.map(\.fieldValue))),
        ])
    }
}
