import ContinuumGraph
import ContinuumKubernetes
import ContinuumSpec
import ContinuumTesting

/// Spec repositories with a Kubernetes cluster, expanded as the controller expands them.
enum ClusterSpecs {
    static func provider(_ type: String = "libvirt", name: String = "fra-kvm", uri: String = "test:///default", imageDirectory: String = "/tmp/continuum-seeds") -> String {
        let config = type == "libvirt" ? "{uri: \"\(uri)\", storagePool: default-pool, imageDirectory: \"\(imageDirectory)\", maxCpu: 8}"
            : type == "redfish" ? "{endpoint: \"http://127.0.0.1:8000\"}" : "{}"
        return """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: \(name)}
            spec: {type: \(type), config: \(config)}
            """
    }

    static func cluster(name: String = "k8s", provider: String = "fra-kvm", version: String = "1.31", controlPlane: Int = 3, image: String = "debian-12",
                        pools: [(name: String, replicas: Int, image: String)] = [("general", 2, "debian-12")]) -> String {
        let poolLines = pools.map { "    - {name: \($0.name), replicas: \($0.replicas), machine: {cpu: 2, memory: 1Gi, image: \($0.image)}}" }.joined(separator: "\n")
        return """
            apiVersion: continuum.dev/v1
            kind: KubernetesCluster
            metadata: {name: \(name), labels: {site: de-fra}}
            spec:
              provider: \(provider)
              version: "\(version)"
              network: Network/k8s-net
              controlPlane: {replicas: \(controlPlane), machine: {cpu: 2, memory: 1Gi, image: \(image)}}
              nodePools:
            \(poolLines.isEmpty ? "    []" : poolLines)
            """
    }

    /// A Redfish provider and bare-metal nodes labelled `pool: <pool>`, opted into `cluster`.
    static func metal(_ names: [String], pool: String = "metal", cluster: String? = "k8s") -> String {
        let provider = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: fra-bmc}
            spec: {type: redfish, config: {endpoint: "http://127.0.0.1:8000", seedDirectory: /srv/seeds, seedURL: "http://127.0.0.1:8080/seeds"}}
            """
        return ([provider] + names.enumerated().map { index, name in
            """
            apiVersion: continuum.dev/v1
            kind: BareMetalNode
            metadata: {name: \(name), labels: {pool: \(pool)}}
            spec: {provider: fra-bmc, systemId: /redfish/v1/Systems/\(index), image: "http://images/debian-12.iso"\(cluster.map { ", cluster: \($0)" } ?? "")}
            """
        }).joined(separator: "\n---\n")
    }

    /// A cluster with a VM pool and a pool of the bare-metal nodes labelled `pool: metal`.
    static func clusterWithMetal(version: String = "1.31") -> String {
        cluster(version: version, controlPlane: 1, pools: [("general", 1, "debian-12")]) + "\n    - {name: metal, nodes: {matchLabels: {pool: metal}}}"
    }

    static func network(provider: String = "fra-kvm") -> String {
        """
        apiVersion: continuum.dev/v1
        kind: Network
        metadata: {name: k8s-net}
        spec: {provider: \(provider), cidr: 10.30.0.0/24}
        """
    }

    /// The documents, loaded and expanded: the resources, the graph, and every problem.
    static func expand(_ documents: String...) -> (resources: [Resource], graph: ResourceGraph, diagnostics: [Diagnostic]) {
        expand(documents)
    }

    static func expand(_ documents: [String]) -> (resources: [Resource], graph: ResourceGraph, diagnostics: [Diagnostic]) {
        expand(files: ["fleet.yaml": documents.joined(separator: "\n---\n")])
    }

    /// Files of a repository, by path, loaded and expanded.
    static func expand(files: [String: String]) -> (resources: [Resource], graph: ResourceGraph, diagnostics: [Diagnostic]) {
        let repository = SpecHarness.load(files)
        let (resources, problems) = ClusterExpander().expand(repository.resources)
        let (graph, graphProblems) = GraphBuilder().build(resources)
        return (resources, graph, repository.diagnostics + problems + graphProblems)
    }

    static func machines(_ resources: [Resource]) -> [Resource] { resources.filter { $0.owner != nil } }

    static func userData(_ resource: Resource) -> String {
        switch resource.spec {
        case .virtualMachine(let spec): spec.userData?.literalValue ?? ""
        case .bareMetalNode(let spec): spec.userData?.literalValue ?? ""
        default: ""
        }
    }
}
