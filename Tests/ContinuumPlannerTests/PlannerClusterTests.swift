import ContinuumPlanner
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// `KubernetesCluster`'s conditional rules: control-plane size, version steps, pools.
@Suite("Planner: Kubernetes cluster rules")
struct PlannerClusterTests {
    private let base = SpecSamples.file(SpecSamples.provider(), SpecSamples.network(), SpecSamples.bareMetalNode())

    private func plan(from before: String, to after: String) throws -> ResourceChange? {
        let state = try PlanHarness.applied(["a.yaml": base, "k.yaml": before])
        return try PlanHarness.plan(["a.yaml": base, "k.yaml": after], state: state).change(.kubernetesCluster, "k8s")
    }

    @Test(arguments: [
        (3, 5, ChangeAction.update), (5, 3, .update), (1, 3, .replace), (3, 1, .replace), (1, 5, .replace),
    ])
    func controlPlaneResizes(_ before: Int, _ after: Int, _ action: ChangeAction) throws {
        let change = try plan(
            from: SpecSamples.kubernetesCluster(controlPlaneReplicas: before), to: SpecSamples.kubernetesCluster(controlPlaneReplicas: after))
        #expect(change?.action == action)
        if action == .replace {
            #expect(change?.reasons == ["spec.controlPlane.replicas cannot change between 1 and \(max(before, after)) in place"])
        }
    }

    @Test func poolReplicasChangeInPlace() throws {
        let change = try plan(from: SpecSamples.kubernetesCluster(generalReplicas: 2), to: SpecSamples.kubernetesCluster(generalReplicas: 7))
        #expect(change?.action == .update)
        #expect(PlanHarness.fields(change) == ["spec.nodePools[name=general].replicas: 2 -> 7"])
    }

    @Test func oneMinorUpgradeIsInPlace() throws {
        let change = try plan(from: SpecSamples.kubernetesCluster(version: "\"1.30\""), to: SpecSamples.kubernetesCluster(version: "\"1.31\""))
        #expect(change?.action == .update)
        #expect(PlanHarness.fields(change) == ["spec.version: \"1.30\" -> \"1.31\""])
    }

    @Test(arguments: [
        ("1.31", "1.30", "spec.version 1.31 -> 1.30 is a downgrade; Kubernetes clusters only upgrade, so keep 1.31 or create a new cluster"),
        ("1.29", "1.31", "spec.version 1.29 -> 1.31 skips a minor version; upgrade one minor version at a time (1.30 first)"),
        ("1.31", "2.0", "spec.version 1.31 -> 2.0 skips a minor version; upgrade one minor version at a time (the next minor version first)"),
    ])
    func badVersionChangesAreErrors(_ before: String, _ after: String, _ message: String) throws {
        let state = try PlanHarness.applied(["a.yaml": base, "k.yaml": SpecSamples.kubernetesCluster(version: "\"\(before)\"")])
        let errors = try PlanHarness.refusal(["a.yaml": base, "k.yaml": SpecSamples.kubernetesCluster(version: "\"\(after)\"")], state: state)
        #expect(errors == ["k.yaml:7:12: error: KubernetesCluster/k8s: \(message)"])
    }

    @Test func aNetworkChangeReplaces() throws {
        let state = try PlanHarness.applied(["a.yaml": base, "k.yaml": SpecSamples.kubernetesCluster()])
        let other = SpecSamples.network("other", cidr: "10.9.0.0/16")
        let plan = try PlanHarness.plan(
            ["a.yaml": base, "b.yaml": other, "k.yaml": SpecSamples.kubernetesCluster().replacingOccurrences(of: "network: Network/fra-edge", with: "network: Network/other")],
            state: state)
        #expect(plan.change(.kubernetesCluster, "k8s")?.reasons == ["spec.network is immutable"])
    }
}
