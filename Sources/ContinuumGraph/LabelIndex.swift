import ContinuumSpec

/// The bare-metal nodes of a repository by label, so a node pool's `matchLabels` finds its
/// nodes by looking at one label's nodes instead of every node (no quadratic pass).
struct LabelIndex {
    private let resources: [Resource]
    private var nodesByLabel: [String: [String: [Int32]]] = [:]

    init(_ resources: [Resource]) {
        self.resources = resources
        for (index, resource) in resources.enumerated() where resource.id.kind == .bareMetalNode {
            for (key, value) in resource.metadata.labels { nodesByLabel[key, default: [:]][value, default: []].append(Int32(index)) }
        }
    }

    /// The bare-metal nodes carrying every label of `selector`, ascending.
    func matching(_ selector: [String: String]) -> [Int32] {
        let buckets = selector.map { nodesByLabel[$0.key]?[$0.value] ?? [] }
        guard let smallest = buckets.min(by: { $0.count < $1.count }) else { return [] }
        return smallest.filter { node in selector.allSatisfy { resources[Int(node)].metadata.labels[$0.key] == $0.value } }
    }
}
