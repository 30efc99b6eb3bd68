/// Finds the dependency cycles of a graph: one per strongly connected component that has
/// more than one node or a self-edge, given as the path from its smallest node back to it.
struct CycleDetector {
    let graph: ResourceGraph

    /// The cycles, each a list of nodes where each depends on the next and the last on the first.
    func cycles() -> [[Int]] {
        components().compactMap { component in
            if component.count == 1 {
                let node = component[0]
                return graph.dependencies(of: node).contains(Int32(node)) ? [node] : nil
            }
            return shortestCycle(through: component.min() ?? component[0], within: Set(component))
        }
        .sorted { $0[0] < $1[0] }
    }

    /// Tarjan's strongly connected components, iteratively (no recursion on deep graphs).
    func components() -> [[Int]] {
        let count = graph.nodeCount
        var index = [Int32](repeating: -1, count: count)
        var lowLink = [Int32](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var result: [[Int]] = []
        var nextIndex: Int32 = 0
        var work: [(node: Int, edge: Int)] = []
        for root in 0..<count where index[root] < 0 {
            work.append((root, 0))
            while let (node, edge) = work.last {
                if edge == 0 {
                    index[node] = nextIndex
                    lowLink[node] = nextIndex
                    nextIndex += 1
                    stack.append(node)
                    onStack[node] = true
                }
                let dependencies = graph.dependencies(of: node)
                if edge < dependencies.count {
                    work[work.count - 1].edge += 1
                    let next = Int(dependencies[dependencies.startIndex + edge])
                    if index[next] < 0 {
                        work.append((next, 0))
                    } else if onStack[next] {
                        lowLink[node] = min(lowLink[node], index[next])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last { lowLink[parent.node] = min(lowLink[parent.node], lowLink[node]) }
                if lowLink[node] == index[node] {
                    var component: [Int] = []
                    while let member = stack.popLast() {
                        onStack[member] = false
                        component.append(member)
                        if member == node { break }
                    }
                    result.append(component)
                }
            }
        }
        return result
    }

    /// The shortest path from `start` back to itself inside `members` (breadth first, ties by index).
    private func shortestCycle(through start: Int, within members: Set<Int>) -> [Int] {
        var parent: [Int: Int] = [:]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for next in graph.dependencies(of: node).map(Int.init) where members.contains(next) {
                if next == start {
                    var path = [node]
                    while let previous = parent[path[path.count - 1]] { path.append(previous) }
                    return path.reversed()
                }
                if parent[next] == nil, next != start {
                    parent[next] = node
                    queue.append(next)
                }
            }
        }
        return [start]
    }
}
