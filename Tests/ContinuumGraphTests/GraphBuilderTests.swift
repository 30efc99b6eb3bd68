import ContinuumGraph
import ContinuumSpec
import ContinuumTesting
import Testing

@Suite("Dependency graph")
struct GraphBuilderTests {
    private func build(_ files: [String: String]) throws -> (ResourceGraph, [Resource], [Diagnostic]) {
        let repository = SpecHarness.load(files)
        try #require(repository.diagnostics == [])
        let (graph, diagnostics) = GraphBuilder().build(repository.resources)
        return (graph, repository.resources, diagnostics)
    }

    private func edges(_ graph: ResourceGraph) -> Set<String> {
        Set(graph.edges.map { "\(graph.ids[$0.from]) -> \(graph.ids[$0.to])" })
    }

    @Test func holdsProviderReferenceInterpolationDependsOnAndSelectorEdges() throws {
        let (graph, _, diagnostics) = try build([
            "a.yaml": SpecSamples.file(
                SpecSamples.provider(), SpecSamples.network(), SpecSamples.bareMetalNode("m1"), SpecSamples.bareMetalNode("m2", labels: "{pool: other}"),
                SpecSamples.kubernetesCluster(),
                SpecSamples.virtualMachine("web-2", networks: [], extra: ["userData: \"peer=${VirtualMachine/web-1.outputs.ipAddress}\""]),
                SpecSamples.virtualMachine("web-1", dependsOn: ["KubernetesCluster/k8s"])),
        ])
        #expect(diagnostics == [])
        #expect(edges(graph) == [
            "Network/fra-edge -> Provider/de-fra-cloud",
            "BareMetalNode/m1 -> Provider/de-fra-cloud",
            "BareMetalNode/m2 -> Provider/de-fra-cloud",
            "KubernetesCluster/k8s -> Provider/de-fra-cloud",
            "KubernetesCluster/k8s -> Network/fra-edge",
            "KubernetesCluster/k8s -> BareMetalNode/m1",
            "VirtualMachine/web-1 -> Provider/de-fra-cloud",
            "VirtualMachine/web-1 -> Network/fra-edge",
            "VirtualMachine/web-1 -> KubernetesCluster/k8s",
            "VirtualMachine/web-2 -> Provider/de-fra-cloud",
            "VirtualMachine/web-2 -> VirtualMachine/web-1",
        ])
        #expect(graph.dependents(of: try #require(graph.indexByID[ResourceID(.network, "fra-edge")])).map { graph.ids[Int($0)].name } == ["k8s", "web-1"])
    }

    @Test func topologicalOrderPutsDependenciesFirst() throws {
        let (graph, _, _) = try build(["a.yaml": SpecSamples.file(SpecSamples.provider(), SpecSamples.network(), SpecSamples.virtualMachine())])
        let order = try #require(graph.topologicalOrder())
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        for (from, to) in graph.edges { #expect(try #require(position[to]) < #require(position[from])) }
    }

    @Test func aCycleIsReportedWithItsWholePathAndNoOrder() throws {
        let repository = SpecHarness.load(["a.yaml": SpecSamples.file(
            SpecSamples.provider(), SpecSamples.network(),
            SpecSamples.virtualMachine("a", networks: [], dependsOn: ["VirtualMachine/b"]),
            SpecSamples.virtualMachine("b", networks: [], extra: ["userData: ${VirtualMachine/c.outputs.id}"]),
            SpecSamples.virtualMachine("c", networks: [], dependsOn: ["VirtualMachine/a"]),
            SpecSamples.virtualMachine("d", networks: [], dependsOn: ["VirtualMachine/d"]))])
        let (graph, diagnostics) = GraphBuilder().build(repository.resources)
        #expect(graph.topologicalOrder() == nil)
        #expect(diagnostics.map(\.message) == [
            "dependency cycle: VirtualMachine/a -> VirtualMachine/b -> VirtualMachine/c -> VirtualMachine/a; remove one of these references or dependsOn entries",
            "dependency cycle: VirtualMachine/d -> VirtualMachine/d; remove one of these references or dependsOn entries",
        ])
        #expect(diagnostics.first?.location == SourceLocation(file: "a.yaml", line: 21, column: 15))
    }

    @Test func danglingReferencesSuggestTheClosestResource() throws {
        let repository = SpecHarness.load(["a.yaml": SpecSamples.file(
            SpecSamples.provider(), SpecSamples.network(), SpecSamples.virtualMachine(provider: "de-fra-clod", networks: ["Network/fra-edeg"]))])
        let (_, diagnostics) = GraphBuilder().build(repository.resources)
        #expect(diagnostics.map(\.message).sorted() == [
            "spec.networks: Network/fra-edeg is not defined in this repository (did you mean 'Network/fra-edge'?)",
            "spec.provider: no Provider named 'de-fra-clod' (did you mean 'de-fra-cloud'?)",
        ])
    }

    @Test func theSameResourcesInAnyOrderGiveTheSameGraph() throws {
        let documents = [SpecSamples.provider(), SpecSamples.network(), SpecSamples.virtualMachine("a"), SpecSamples.virtualMachine("b"), SpecSamples.bareMetalNode(), SpecSamples.kubernetesCluster()]
        let forward = SpecHarness.load(Dictionary(uniqueKeysWithValues: documents.enumerated().map { ("f\($0).yaml", $1) }))
        let backward = SpecHarness.load(Dictionary(uniqueKeysWithValues: documents.reversed().enumerated().map { ("f\($0).yaml", $1) }))
        let a = GraphBuilder().build(forward.resources).graph
        let b = GraphBuilder().build(backward.resources).graph
        #expect(a.ids == b.ids)
        #expect(a.edges.map { [$0.from, $0.to] } == b.edges.map { [$0.from, $0.to] })
        #expect(GraphRenderer(graph: a, resources: forward.resources).dot() == GraphRenderer(graph: b, resources: backward.resources).dot())
    }

    @Test func rendersJSONWithDependsOnDirection() throws {
        let (graph, resources, _) = try build(["a.yaml": SpecSamples.file(SpecSamples.provider(), SpecSamples.network())])
        let json = try GraphRenderer(graph: graph, resources: resources).json()
        #expect(json.contains("\"from\" : \"Network/fra-edge\""))
        #expect(json.contains("\"to\" : \"Provider/de-fra-cloud\""))
        #expect(json.contains("\"kind\" : \"Network\""))
    }

    @Test func aLongChainDoesNotOverflowTheStack() throws {
        var documents = [SpecSamples.provider()]
        for index in 0..<20_000 {
            documents.append(SpecSamples.virtualMachine("vm-\(index)", networks: [], dependsOn: index > 0 ? ["VirtualMachine/vm-\(index - 1)"] : ["VirtualMachine/vm-19999"]))
        }
        let repository = SpecHarness.load(["chain.yaml": documents.joined(separator: "\n---\n")])
        let (graph, diagnostics) = GraphBuilder().build(repository.resources)
        #expect(graph.nodeCount == 20_001)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.hasPrefix("dependency cycle: VirtualMachine/vm-0 -> VirtualMachine/vm-19999 -> ") == true)
    }
}
