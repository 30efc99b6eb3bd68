public import ContinuumSpec

/// Builds the `ResourceGraph` of a set of resources: resolves every reference (a
/// dangling one is an error naming the closest existing resource), adds the edges of
/// `dependsOn`, reference fields, interpolations, `spec.provider` and node-pool label
/// selectors (only to nodes that opted into the cluster; a matched node that did not is
/// an error), and reports every dependency cycle with its whole path.
public struct GraphBuilder: Sendable {
    /// Creates a builder.
    public init() {}

    /// The graph and the problems found. The graph holds every resource; edges to
    /// resources that do not exist are left out. References to `rejected` resources are
    /// not dangling, and their own references are checked too.
    public func build(_ resources: [Resource], rejected: [RejectedResource] = []) -> (graph: ResourceGraph, diagnostics: [Diagnostic]) {
        let ids = resources.map(\.id)
        var indexByID: [ResourceID: Int32] = [:]
        indexByID.reserveCapacity(ids.count)
        for (index, id) in ids.enumerated() { indexByID[id] = Int32(index) }
        var namesByKind: [ResourceKind: [String]] = [:]
        var diagnostics: [Diagnostic] = []
        var edges: [(from: Int32, to: Int32, location: SourceLocation)] = []
        edges.reserveCapacity(resources.count * 3)
        let rejectedIDs = Set(rejected.map(\.id))
        func checkDangling(_ reference: SpecReference) {
            guard indexByID[reference.target] == nil, !rejectedIDs.contains(reference.target) else { return }
            if namesByKind.isEmpty { namesByKind = Dictionary(grouping: ids + rejectedIDs, by: \.kind).mapValues { $0.map(\.name) } }
            diagnostics.append(Self.dangling(reference, names: namesByKind[reference.target.kind] ?? []))
        }
        for resource in rejected { resource.references.forEach(checkDangling) }
        let nodesByLabel = LabelIndex(resources)

        for (index, resource) in resources.enumerated() {
            for reference in resource.references {
                guard let target = indexByID[reference.target] else {
                    checkDangling(reference)
                    continue
                }
                edges.append((Int32(index), target, reference.location))
                if let problem = Self.foreignNetwork(reference, from: resource, to: resources[Int(target)]) { diagnostics.append(problem) }
            }
            // A node that opted into a cluster the repository does not have joins none: a
            // misspelt name, or a cluster not yet written (a warning, not an error).
            if let cluster = NodePoolMembership.optedCluster(of: resource) {
                let id = ResourceID(.kubernetesCluster, cluster)
                if indexByID[id] == nil, !rejectedIDs.contains(id) {
                    diagnostics.append(Diagnostic(.warning, at: resource.location(of: "spec.cluster"),
                        "spec.cluster: \(resource.id) opted into \(id), which is not in the repository, so it joins no cluster; check the name (a KubernetesCluster of that name created later, by whoever may write one, can take it)"))
                }
            }
            // A pool takes only the matching nodes that opted into this cluster; one that
            // did not is reported, never taken.
            if case .kubernetesCluster(let cluster) = resource.spec {
                for pool in cluster.nodePools {
                    guard let selector = pool.matchLabels else { continue }
                    for node in nodesByLabel.matching(selector) {
                        let candidate = resources[Int(node)]
                        if NodePoolMembership.takes(candidate, cluster: resource.id, selector: selector) {
                            edges.append((Int32(index), node, resource.location))
                        } else {
                            diagnostics.append(NodePoolMembership.refusal(of: candidate, by: resource, pool: pool.name))
                        }
                    }
                }
            }
        }
        let graph = ResourceGraph(ids: ids, edges: edges)
        diagnostics += CycleDetector(graph: graph).cycles().map { cycle in
            let path = (cycle + [cycle[0]]).map { graph.ids[$0].description }.joined(separator: " -> ")
            let location = graph.location(from: cycle[0], to: cycle.count > 1 ? cycle[1] : cycle[0])
            return Diagnostic(at: location, "dependency cycle: \(path); remove one of these references or dependsOn entries")
        }
        return (graph, diagnostics)
    }

    /// A machine or cluster attached to a network of another provider: the attachment
    /// cannot exist, since a provider only plugs its machines into its own networks.
    static func foreignNetwork(_ reference: SpecReference, from resource: Resource, to target: Resource) -> Diagnostic? {
        guard target.id.kind == .network, resource.owner == nil, case .field(let path) = reference.origin, path.text == "spec.networks" || path.text == "spec.network",
            let own = resource.spec.providerName, let other = target.spec.providerName, own != other
        else { return nil }
        return Diagnostic(at: reference.location,
            "\(path.text): \(target.id) is on provider '\(other)', but \(resource.id) is on provider '\(own)'; a machine can only attach to a network of its own provider: use a Network on '\(own)', or move \(resource.id) to '\(other)'")
    }

    static func dangling(_ reference: SpecReference, names: [String]) -> Diagnostic {
        let target = reference.target
        let suggestion = NameSuggester.closest(to: target.name, in: names)
        switch reference.origin {
        case .provider:
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? (names.isEmpty ? "; define a Provider resource with that name" : "; providers are \(names.joined(separator: ", "))")
            return Diagnostic(at: reference.location, "spec.provider: no Provider named '\(target.name)'\(hint)")
        case .dependsOn, .field, .interpolation:
            let field: String =
                switch reference.origin {
                case .dependsOn: "metadata.dependsOn"
                case .field(let path): path.text
                case .interpolation(let path, _): path.text
                case .provider: "spec.provider"
                }
            let hint = suggestion.map { " (did you mean '\(target.kind.rawValue)/\($0)'?)" } ?? "; define it, or correct the reference"
            return Diagnostic(at: reference.location, "\(field): \(target) is not defined in this repository\(hint)")
        }
    }
}
