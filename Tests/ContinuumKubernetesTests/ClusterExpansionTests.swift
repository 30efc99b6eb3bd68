import ContinuumGraph
import ContinuumKubernetes
import Foundation
import ContinuumSpec
import ContinuumTesting
import Testing

/// A cluster on a libvirt provider becomes its machines, Cluster-API style.
@Suite("Cluster expansion")
struct ClusterExpansionTests {
    @Test func aLibvirtClusterBecomesControlPlaneAndPoolMachinesUnderIt() throws {
        let (resources, graph, diagnostics) = ClusterSpecs.expand(ClusterSpecs.provider(), ClusterSpecs.network(), ClusterSpecs.cluster())
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let machines = ClusterSpecs.machines(resources)
        let generation = machines.first.map { String($0.id.name.split(separator: "-")[2]) } ?? ""
        #expect(generation == "v131")
        let names = machines.map(\.id.name)
        #expect(names.count == 5)
        #expect(names.filter { $0.hasPrefix("k8s-cp-v131-") }.count == 3)
        #expect(names.filter { $0.hasPrefix("k8s-general-v131-") }.count == 2)
        #expect(Set(names.map { $0.split(separator: "-").last.map(String.init) ?? "" }) == ["0", "1", "2"])

        let cluster = try #require(resources.first { $0.id == ResourceID(.kubernetesCluster, "k8s") })
        let clusterNode = try #require(graph.indexByID[cluster.id])
        let dependencies = Set(graph.dependencies(of: Int(clusterNode)).map { graph.ids[Int($0)] })
        #expect(dependencies.isSuperset(of: machines.map(\.id)), "the cluster waits for its machines")
        for machine in machines {
            #expect(machine.owner == cluster.id)
            #expect(machine.metadata.labels["site"] == "de-fra", "the cluster's labels are the machines'")
            #expect(machine.metadata.labels[ClusterLabels.cluster] == "k8s")
            #expect(machine.metadata.labels[RolloutLabels.group] == "KubernetesCluster/k8s")
            #expect(machine.lifecycle.ignoreChanges == ["spec.userData"])
            guard case .virtualMachine(let spec) = machine.spec else { Issue.record("\(machine.id) is not a VM"); continue }
            #expect(spec.provider == "fra-kvm")
            #expect(spec.networks == [ResourceID(.network, "k8s-net")])
            let node = try #require(graph.indexByID[machine.id])
            #expect(graph.dependencies(of: Int(node)).map { graph.ids[Int($0)] }.contains(ResourceID(.network, "k8s-net")))
        }
        let planes = machines.filter { $0.metadata.labels[ClusterLabels.role] == ClusterLabels.controlPlane }
        #expect(planes.count == 3)
        #expect(planes.allSatisfy { $0.metadata.labels[RolloutLabels.serial] == "true" })
        #expect(machines.filter { $0.metadata.labels[ClusterLabels.pool] == "general" }.count == 2)
    }

    @Test func theCloudInitInstallsThePinnedK3sAndHoldsNoSecret() throws {
        let (resources, _, _) = ClusterSpecs.expand(ClusterSpecs.provider(), ClusterSpecs.network(), ClusterSpecs.cluster())
        let machines = ClusterSpecs.machines(resources)
        let server = ClusterSpecs.userData(try #require(machines.first { $0.metadata.labels[ClusterLabels.role] == ClusterLabels.controlPlane }))
        let agent = ClusterSpecs.userData(try #require(machines.first { $0.metadata.labels[ClusterLabels.role] == ClusterLabels.worker }))
        let tag = try #require(K3sRelease.pinned["1.31"])
        for (text, exec) in [(server, "server"), (agent, "agent")] {
            #expect(text.hasPrefix("#cloud-config\n"))
            #expect(text.contains("INSTALL_K3S_VERSION='\(tag)' INSTALL_K3S_EXEC='\(exec)'"), "\(text)")
            #expect(text.contains("token: \"{{continuum.joinToken}}\""))
            #expect(text.contains("      {{continuum.join}}\n"))
        }
        #expect(server.contains("token-auth-file=\(K3sCloudInit.tokenFile)"))
        #expect(server.contains("{{continuum.apiToken}},continuum,continuum"))
        #expect(server.contains("resources: [pods/eviction], verbs: [create]"))
        #expect(!agent.contains("apiToken"), "workers do not carry Continuum's API token")
        #expect(agent.contains("\"continuum.dev/pool=general\""))
        let name = machines[0].id.name
        #expect(server.contains("node-name: \(name)\n") && server.contains("hostname: \(name)\n"))
    }

    @Test(arguments: [
        ("a version upgrade", ClusterSpecs.cluster(version: "1.32"), true, true),
        ("a control-plane image change", ClusterSpecs.cluster(image: "debian-13"), true, false),
        ("a pool image change", ClusterSpecs.cluster(pools: [("general", 2, "debian-13")]), false, true),
        ("a pool resize", ClusterSpecs.cluster(pools: [("general", 4, "debian-12")]), false, false),
    ])
    func aNewGenerationGetsNewMachineNames(_ change: String, _ cluster: String, _ newPlanes: Bool, _ newWorkers: Bool) {
        let before = Set(ClusterSpecs.machines(ClusterSpecs.expand(ClusterSpecs.provider(), ClusterSpecs.network(), ClusterSpecs.cluster()).resources).map(\.id.name))
        let after = Set(ClusterSpecs.machines(ClusterSpecs.expand(ClusterSpecs.provider(), ClusterSpecs.network(), cluster).resources).map(\.id.name))
        #expect(after.filter { $0.contains("-cp-") }.isDisjoint(with: before) == newPlanes, "\(change)")
        #expect(after.filter { $0.contains("-general-") }.isDisjoint(with: before) == newWorkers, "\(change)")
    }

    @Test func selectedBareMetalNodesJoinAsWorkersAfterTheControlPlane() throws {
        let (resources, graph, diagnostics) = ClusterSpecs.expand(
            ClusterSpecs.provider(), ClusterSpecs.network(), ClusterSpecs.metal(["rack-1", "rack-2"]), ClusterSpecs.clusterWithMetal())
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let nodes = resources.filter { $0.id.kind == .bareMetalNode }
        #expect(nodes.count == 2)
        let plane = try #require(ClusterSpecs.machines(resources).first { $0.id.name.contains("-cp-") })
        for node in nodes {
            let text = ClusterSpecs.userData(node)
            #expect(text.contains("INSTALL_K3S_EXEC='agent'") && text.contains("node-name: \(node.id.name)\n") && text.contains("\"continuum.dev/pool=metal\""), "\(text)")
            #expect(node.owner == nil, "the node stays the spec's own resource")
            #expect(node.metadata.labels[ClusterLabels.cluster] == "k8s" && node.metadata.labels["pool"] == "metal")
            let index = try #require(graph.indexByID[node.id])
            #expect(graph.dependencies(of: Int(index)).map { graph.ids[Int($0)] }.contains(plane.id), "it joins once the control plane exists")
        }
        let cluster = try #require(graph.indexByID[ResourceID(.kubernetesCluster, "k8s")])
        #expect(Set(graph.dependencies(of: Int(cluster)).map { graph.ids[Int($0)] }).isSuperset(of: nodes.map(\.id)))
    }

    /// A hostile author's cluster in another file selects a node by its labels: the node
    /// opted into another cluster, so the pool takes nothing and the diagnostic says why,
    /// at the node's `spec.cluster`, with the remedy.
    @Test func aClusterInAnotherFileTakesNoNodeThatOptedIntoAnotherCluster() throws {
        let grab = ClusterSpecs.clusterWithMetal().replacingOccurrences(of: "metadata: {name: k8s,", with: "metadata: {name: k9s,")
        let (resources, graph, diagnostics) = ClusterSpecs.expand(files: [
            "team-a/fleet.yaml": [ClusterSpecs.provider(), ClusterSpecs.network(), ClusterSpecs.metal(["rack-1"]), ClusterSpecs.clusterWithMetal()].joined(separator: "\n---\n"),
            "team-b/grab.yaml": grab,
        ])
        let lines = SpecHarness.lines(diagnostics)
        #expect(lines.count == 1, "\(lines)")
        // rack-1 is the 4th document's node; its spec is one line, `cluster: k8s` in it.
        let line = try #require(lines.first)
        #expect(line.hasPrefix("team-a/fleet.yaml:") && line.contains(": error: BareMetalNode/rack-1 matches the nodes.matchLabels of pool 'metal' of KubernetesCluster/k9s (team-b/grab.yaml:"), "\(line)")
        #expect(line.contains("it opted into KubernetesCluster/k8s (spec.cluster), so that pool does not take it; to join it to KubernetesCluster/k9s, add `cluster: k9s` to its spec"), "\(line)")
        let node = try #require(resources.first { $0.id == ResourceID(.bareMetalNode, "rack-1") })
        #expect(node.metadata.labels[ClusterLabels.cluster] == "k8s", "it joins the cluster it opted into, and only that one")
        let k9s = try #require(graph.indexByID[ResourceID(.kubernetesCluster, "k9s")])
        #expect(!graph.dependencies(of: Int(k9s)).map { graph.ids[Int($0)] }.contains(node.id), "the other cluster takes nothing")
    }

    /// A node that opted into no cluster is never taken, whoever's cluster selects it.
    @Test func aNodeThatOptedIntoNoClusterIsNotTakenAndTheErrorSaysHowToJoin() throws {
        let (resources, graph, diagnostics) = ClusterSpecs.expand(files: [
            "metal/nodes.yaml": ClusterSpecs.metal(["rack-1"], cluster: nil),
            "k8s/cluster.yaml": [ClusterSpecs.provider(), ClusterSpecs.network(), ClusterSpecs.clusterWithMetal()].joined(separator: "\n---\n"),
        ])
        let lines = SpecHarness.lines(diagnostics)
        #expect(lines.count == 1, "\(lines)")
        let line = try #require(lines.first)
        // The node's metadata.name is on line 8 of its file (after the provider document).
        #expect(line.hasPrefix("metal/nodes.yaml:8:"), "\(line)")
        #expect(line.contains("BareMetalNode/rack-1 matches the nodes.matchLabels of pool 'metal' of KubernetesCluster/k8s (k8s/cluster.yaml:"), "\(line)")
        #expect(line.contains("it has not opted into any cluster (no spec.cluster)") && line.contains("add `cluster: k8s` to its spec"), "\(line)")
        let node = try #require(resources.first { $0.id == ResourceID(.bareMetalNode, "rack-1") })
        #expect(ClusterSpecs.userData(node).isEmpty && node.metadata.labels[ClusterLabels.cluster] == nil, "the node is left as its owner wrote it")
        let cluster = try #require(graph.indexByID[ResourceID(.kubernetesCluster, "k8s")])
        #expect(!graph.dependencies(of: Int(cluster)).map { graph.ids[Int($0)] }.contains(node.id))
    }

    /// A node that opted into a cluster the repository does not have (a misspelt name)
    /// joins none, and a warning at its `spec.cluster` says so.
    @Test func aNodeThatOptedIntoAClusterTheRepositoryDoesNotHaveIsWarnedAbout() throws {
        let (resources, _, diagnostics) = ClusterSpecs.expand(files: [
            "metal/nodes.yaml": ClusterSpecs.metal(["rack-1"], cluster: "k8z"),
            "k8s/cluster.yaml": [ClusterSpecs.provider(), ClusterSpecs.network(), ClusterSpecs.cluster(controlPlane: 1, pools: [])].joined(separator: "\n---\n"),
        ])
        let lines = SpecHarness.lines(diagnostics)
        #expect(lines.count == 1, "\(lines)")
        let line = try #require(lines.first)
        #expect(line.hasPrefix("metal/nodes.yaml:") && line.contains(": warning: spec.cluster: BareMetalNode/rack-1 opted into KubernetesCluster/k8z, which is not in the repository, so it joins no cluster; check the name"), "\(line)")
        #expect(diagnostics.allSatisfy { $0.severity == .warning })
        let node = try #require(resources.first { $0.id == ResourceID(.bareMetalNode, "rack-1") })
        #expect(node.metadata.labels[ClusterLabels.cluster] == nil)
    }

    /// `spec.cluster` is a plain name (a reference back would be a cycle): a reference
    /// written there is refused at the field.
    @Test func aNodeOptsInByTheClustersNameNotByAReference() throws {
        let metal = ClusterSpecs.metal(["rack-1"], cluster: "KubernetesCluster/k8s")
        let lines = SpecHarness.lines(ClusterSpecs.expand(ClusterSpecs.provider(), ClusterSpecs.network(), metal, ClusterSpecs.clusterWithMetal()).diagnostics)
        #expect(lines.contains { $0.hasPrefix("fleet.yaml:") && $0.contains("spec.cluster: invalid name 'KubernetesCluster/k8s'") }, "\(lines)")
    }

    @Test func clustersOnSimulatedProvidersAreLeftAsTheyAre() {
        let (resources, _, diagnostics) = ClusterSpecs.expand(ClusterSpecs.provider("sim", name: "fra-kvm"), ClusterSpecs.network(), ClusterSpecs.cluster())
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(ClusterSpecs.machines(resources).isEmpty)
        #expect(resources.count == 3)
    }

    @Test(arguments: [
        ("redfish", ClusterSpecs.provider("redfish"), ClusterSpecs.cluster(), "cannot run on the redfish provider 'fra-kvm'"),
        ("unpinned version", ClusterSpecs.provider(), ClusterSpecs.cluster(version: "1.28"), "no k3s release is pinned for Kubernetes 1.28; use one of 1.29, 1.30, 1.31, 1.32, 1.33"),
        ("long name", ClusterSpecs.provider(), ClusterSpecs.cluster(name: String(repeating: "k", count: 50)), "is too long for its machines' names"),
        ("pool named cp", ClusterSpecs.provider(), ClusterSpecs.cluster(pools: [("cp", 1, "debian-12")]), "'cp' names the control plane's machines"),
    ])
    func clustersThatCannotBeExpandedAreErrorsAtTheCluster(_ case: String, _ provider: String, _ cluster: String, _ message: String) {
        let (resources, _, diagnostics) = ClusterSpecs.expand(provider, ClusterSpecs.network(), cluster)
        let lines = SpecHarness.lines(diagnostics)
        #expect(lines.contains { $0.contains(message) && $0.hasPrefix("fleet.yaml:") }, "\(`case`): \(lines)")
        #expect(ClusterSpecs.machines(resources).isEmpty)
    }

    @Test func aMachineNameTakenInTheSpecIsAnError() throws {
        let machines = ClusterSpecs.machines(ClusterSpecs.expand(ClusterSpecs.provider(), ClusterSpecs.network(), ClusterSpecs.cluster()).resources)
        let taken = try #require(machines.first).id.name
        let clash = """
            apiVersion: continuum.dev/v1
            kind: VirtualMachine
            metadata: {name: \(taken)}
            spec: {provider: fra-kvm, cpu: 1, memory: 1Gi, image: debian-12}
            """
        let lines = SpecHarness.lines(ClusterSpecs.expand(ClusterSpecs.provider(), ClusterSpecs.network(), ClusterSpecs.cluster(), clash).diagnostics)
        #expect(lines.contains { $0.contains("VirtualMachine/\(taken) is a machine of KubernetesCluster/k8s and is also defined in the spec") }, "\(lines)")
    }

    @Test func specsCannotSetReservedLabels() {
        let labelled = ClusterSpecs.network().replacingOccurrences(of: "metadata: {name: k8s-net}", with: "metadata: {name: k8s-net, labels: {continuum.dev/rollout-group: x}}")
        let lines = SpecHarness.lines(ClusterSpecs.expand(ClusterSpecs.provider(), labelled).diagnostics)
        #expect(lines.contains { $0.contains("label 'continuum.dev/rollout-group' is reserved") }, "\(lines)")
    }
}
