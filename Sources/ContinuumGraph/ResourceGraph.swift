public import ContinuumSpec

/// The dependency graph of a spec repository: resources as integer-indexed nodes (in
/// sorted id order) and "depends on" edges in compressed adjacency arrays, both ways.
///
/// Built for fleets of 100,000 resources and 300,000 edges: no per-node allocations, no
/// string keys in walks. Deterministic: the same resources always give the same graph.
public struct ResourceGraph: Sendable {
    /// Node index to resource id, sorted.
    public let ids: [ResourceID]
    /// Resource id to node index.
    public let indexByID: [ResourceID: Int]
    let dependencyOffsets: [Int32]
    let dependencyTargets: [Int32]
    let dependentOffsets: [Int32]
    let dependentTargets: [Int32]
    /// Where each edge in `dependencyTargets` was written (nil for label-selector edges at the cluster).
    private(set) var edgeLocations: [SourceLocation]

    init(ids: [ResourceID], edges: [(from: Int32, to: Int32, location: SourceLocation)]) {
        self.ids = ids
        var indexByID: [ResourceID: Int] = [:]
        indexByID.reserveCapacity(ids.count)
        for (index, id) in ids.enumerated() { indexByID[id] = index }
        self.indexByID = indexByID
        let sorted = edges.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
        var unique: [(from: Int32, to: Int32, location: SourceLocation)] = []
        unique.reserveCapacity(sorted.count)
        for edge in sorted where unique.last.map({ $0.from != edge.from || $0.to != edge.to }) ?? true {
            unique.append(edge)
        }
        (dependencyOffsets, dependencyTargets) = Self.compress(count: ids.count, unique.map { ($0.from, $0.to) })
        edgeLocations = unique.map(\.location)
        (dependentOffsets, dependentTargets) = Self.compress(count: ids.count, unique.map { ($0.to, $0.from) }.sorted { $0 < $1 })
    }

    private static func compress(count: Int, _ pairs: [(Int32, Int32)]) -> ([Int32], [Int32]) {
        var offsets = [Int32](repeating: 0, count: count + 1)
        for (from, _) in pairs { offsets[Int(from) + 1] += 1 }
        for index in 0..<count { offsets[index + 1] += offsets[index] }
        return (offsets, pairs.map(\.1))
    }

    /// How many resources.
    public var nodeCount: Int { ids.count }
    /// How many distinct edges.
    public var edgeCount: Int { dependencyTargets.count }

    /// The nodes `node` depends on, ascending.
    public func dependencies(of node: Int) -> ArraySlice<Int32> {
        dependencyTargets[Int(dependencyOffsets[node])..<Int(dependencyOffsets[node + 1])]
    }

    /// The nodes that depend on `node`, ascending.
    public func dependents(of node: Int) -> ArraySlice<Int32> {
        dependentTargets[Int(dependentOffsets[node])..<Int(dependentOffsets[node + 1])]
    }

    /// Where the edge `from -> to` was written.
    public func location(from: Int, to: Int) -> SourceLocation? {
        let range = Int(dependencyOffsets[from])..<Int(dependencyOffsets[from + 1])
        return range.first { dependencyTargets[$0] == Int32(to) }.map { edgeLocations[$0] }
    }

    /// Writes `node`'s edges where `references` (the node's new references, in order) write
    /// them, when they make the edges `node` has: what a build of the edited resource gives,
    /// without building it. Returns false, changing nothing, when they make other edges (the
    /// graph must be built again). `selectedAt`: for a cluster whose node pools' selectors
    /// are unchanged, where its edges to the nodes they select (those no reference makes)
    /// are written; nil for any other resource, whose only edges are its references. In
    /// place, so that moving the edges of many resources copies the locations once at most.
    public mutating func relocateEdges(of node: Int, to references: [SpecReference], selectedAt: SourceLocation? = nil) -> Bool {
        var firstLocation: [Int32: SourceLocation] = [:]
        for reference in references {
            guard let target = indexByID[reference.target] else { return false }
            if firstLocation[Int32(target)] == nil { firstLocation[Int32(target)] = reference.location }
        }
        let range = Int(dependencyOffsets[node])..<Int(dependencyOffsets[node + 1])
        let referenced = range.filter { firstLocation[dependencyTargets[$0]] != nil }.count
        guard referenced == firstLocation.count, selectedAt != nil || referenced == range.count else { return false }
        for edge in range {
            let location = firstLocation[dependencyTargets[edge]] ?? selectedAt ?? edgeLocations[edge]
            if edgeLocations[edge] != location { edgeLocations[edge] = location }
        }
        return true
    }

    /// Every edge as `(from, to)` where `from` depends on `to`, sorted.
    public var edges: [(from: Int, to: Int)] {
        (0..<nodeCount).flatMap { node in dependencies(of: node).map { (node, Int($0)) } }
    }

    /// A dependency-first order of all nodes (Kahn's algorithm; ties by index), or nil if
    /// the graph has a cycle.
    public func topologicalOrder() -> [Int]? {
        var remaining = (0..<nodeCount).map { dependencyOffsets[$0 + 1] - dependencyOffsets[$0] }
        var order: [Int] = []
        order.reserveCapacity(nodeCount)
        for node in 0..<nodeCount where remaining[node] == 0 { order.append(node) }
        var head = 0
        while head < order.count {
            let node = order[head]
            head += 1
            for dependent in dependents(of: node) {
                remaining[Int(dependent)] -= 1
                if remaining[Int(dependent)] == 0 { order.append(Int(dependent)) }
            }
        }
        return order.count == nodeCount ? order : nil
    }
}
