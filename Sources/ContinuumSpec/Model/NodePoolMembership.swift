/// Which bare-metal nodes a cluster's node pool takes: those whose labels match the pool's
/// `nodes.matchLabels` **and** that opted into that cluster with `spec.cluster: <name>`.
/// Labels alone are chosen by whoever writes the cluster; the opt-in is written on the
/// node, by whoever owns it, so a cluster in another team's file cannot capture it.
public enum NodePoolMembership {
    /// Whether `node` is a `BareMetalNode` carrying every label of `selector`.
    public static func matches(_ node: Resource, _ selector: [String: String]) -> Bool {
        node.id.kind == .bareMetalNode && selector.allSatisfy { node.metadata.labels[$0.key] == $0.value }
    }

    /// The cluster `node` opted into with `spec.cluster`, if any.
    public static func optedCluster(of node: Resource) -> String? {
        guard case .bareMetalNode(let spec) = node.spec else { return nil }
        return spec.cluster
    }

    /// Whether the pool of `cluster` with `selector` takes `node`.
    public static func takes(_ node: Resource, cluster: ResourceID, selector: [String: String]) -> Bool {
        matches(node, selector) && optedCluster(of: node) == cluster.name
    }

    /// The problem with a node that `cluster`'s pool selects by its labels but that has not
    /// opted into that cluster: the pool does not take it, and this says why and how to
    /// join it. At the node's `spec.cluster` when it names another cluster, else at the
    /// node; the selector's place is in the message.
    public static func refusal(of node: Resource, by cluster: Resource, pool: String) -> Diagnostic {
        let other = optedCluster(of: node)
        let selector = cluster.location(of: "spec.nodePools")
        let why = other.map { "it opted into KubernetesCluster/\($0) (spec.cluster)" } ?? "it has not opted into any cluster (no spec.cluster)"
        return Diagnostic(at: other == nil ? node.location : node.location(of: "spec.cluster"),
            "\(node.id) matches the nodes.matchLabels of pool '\(pool)' of \(cluster.id) (\(selector)), but \(why), so that pool does not take it; to join it to \(cluster.id), add `cluster: \(cluster.id.name)` to its spec (the node's owner decides), otherwise narrow the pool's selector")
    }
}
