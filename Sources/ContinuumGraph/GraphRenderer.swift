public import ContinuumSpec
import Foundation

/// Writes a graph as Graphviz dot or as JSON (`{"nodes": [...], "edges": [{"from", "to"}]}`,
/// where `from` depends on `to`).
public struct GraphRenderer: Sendable {
    /// The graph.
    public let graph: ResourceGraph
    /// The resources, by node index, for kinds and providers.
    public let resources: [Resource]

    /// Creates a renderer.
    public init(graph: ResourceGraph, resources: [Resource]) {
        self.graph = graph
        self.resources = resources
    }

    /// Graphviz dot.
    public func dot() -> String {
        var lines = ["digraph continuum {", "  rankdir = \"RL\";", "  node [shape = box];"]
        for id in graph.ids { lines.append("  \"\(id)\";") }
        for (from, to) in graph.edges { lines.append("  \"\(graph.ids[from])\" -> \"\(graph.ids[to])\";") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private struct Document: Encodable {
        struct Node: Encodable {
            var id: String
            var kind: String
            var provider: String?
        }
        struct Edge: Encodable {
            var from: String
            var to: String
        }
        var nodes: [Node]
        var edges: [Edge]
    }

    /// JSON, pretty-printed with sorted keys.
    public func json() throws -> String {
        let document = Document(
            nodes: resources.map { .init(id: $0.id.description, kind: $0.id.kind.rawValue, provider: $0.spec.providerName) },
            edges: graph.edges.map { .init(from: graph.ids[$0.from].description, to: graph.ids[$0.to].description) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }
}
