import ContinuumTesting
import Foundation
import Testing

/// `examples/k3s-cluster` as a user sees it before applying it: the cluster's machines in
/// `validate`, `plan` and `graph`, under their cluster.
@Suite("Kubernetes clusters through the CLI")
struct ClusterCLITests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/k3s-cluster").standardized.path
    static let operatorConfig = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/operator/k3s-cluster.yaml").standardized.path

    @Test func thePlanShowsTheClustersMachinesUnderIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let validate = try CLIRunner.run(["validate", Self.example, "--config", Self.operatorConfig], in: directory.url)
        #expect(validate.status == 0, "\(validate.stderr)")
        let plan = try CLIRunner.run(["plan", Self.example, "--config", Self.operatorConfig], in: directory.url)
        #expect(plan.status == 0, "\(plan.stderr)")
        let lines = plan.stdout.split(separator: "\n").map(String.init)
        let cluster = try #require(lines.firstIndex { $0.contains("+ KubernetesCluster/edge will be created") })
        let machines = lines.indices.filter { lines[$0].contains("(generated from KubernetesCluster/edge)") }
        #expect(machines.count == 7, "\(plan.stdout)")
        #expect(machines.allSatisfy { $0 > cluster }, "listed under the cluster")
        #expect(lines.filter { $0.contains("VirtualMachine/edge-cp-v131-") && $0.contains("will be created") }.count == 3)
        #expect(plan.stdout.contains("{{continuum.joinToken}}"))
        #expect(plan.stdout.contains("Plan: 9 to add, 0 to change, 0 to replace, 0 to destroy."))
        let graph = try CLIRunner.run(["graph", Self.example, "--format", "dot", "--config", Self.operatorConfig], in: directory.url)
        #expect(graph.status == 0, "\(graph.stderr)")
        #expect(graph.stdout.contains("\"KubernetesCluster/edge\" -> \"VirtualMachine/edge-general-v131-"), "\(graph.stdout.prefix(600))")
    }
}
