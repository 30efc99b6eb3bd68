import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Testing

/// The order the planner gives a cluster's machines: the control plane first, and an
/// upgrade one machine at a time, each new machine before the old one it replaces goes.
@Suite("Cluster rollout plans")
struct ClusterRolloutPlanTests {
    /// The plan from the state `before` leaves to the spec `after`, with each step's
    /// operation and resource, in an order that honours every step's waits.
    static func plan(from before: String?, to after: String) throws -> (plan: Plan, state: StateSnapshot) {
        var state = StateSnapshot()
        if let before {
            let old = ClusterSpecs.expand(ClusterSpecs.provider(), ClusterSpecs.network(), before)
            state = SimulatedApply.record(old.resources, graph: old.graph)
        }
        let new = ClusterSpecs.expand(ClusterSpecs.provider(), ClusterSpecs.network(), after)
        #expect(new.diagnostics.isEmpty, "\(new.diagnostics)")
        return (try Planner().plan(resources: new.resources, graph: new.graph, state: state), state)
    }

    /// Every step a step waits for, directly or not.
    static func prerequisites(_ plan: Plan) -> [Int: Set<Int>] {
        var result: [Int: Set<Int>] = [:]
        for step in plan.steps {
            var all = Set(step.dependsOn)
            for other in step.dependsOn { all.formUnion(result[other] ?? []) }
            result[step.index] = all
        }
        return result
    }

    static func step(_ plan: Plan, _ operation: PlanStep.Operation, _ name: String) throws -> Int {
        try #require(plan.steps.first { $0.operation == operation && $0.resource.name == name }, "\(operation) \(name)").index
    }

    @Test func aNewClusterCreatesItsControlPlaneOneAtATimeThenItsWorkersTogether() throws {
        let (plan, _) = try Self.plan(from: nil, to: ClusterSpecs.cluster())
        let before = Self.prerequisites(plan)
        let planes = plan.steps.filter { $0.resource.name.contains("-cp-") }.map(\.index)
        let workers = plan.steps.filter { $0.resource.name.contains("-general-") }.map(\.index)
        #expect(planes.count == 3 && workers.count == 2)
        for (first, second) in zip(planes, planes.dropFirst()) { #expect(before[second]?.contains(first) == true) }
        for worker in workers {
            #expect(before[worker]?.isSuperset(of: planes) == true, "workers wait for the whole control plane")
            #expect(workers.allSatisfy { before[worker]?.contains($0) != true }, "workers are created in parallel")
        }
        let cluster = try Self.step(plan, .create, "k8s")
        #expect(before[cluster]?.isSuperset(of: planes + workers) == true, "the cluster is checked once its machines exist")
        let text = PlanTextRenderer().render(plan)
        #expect(text.contains("(generated from KubernetesCluster/k8s)"))
        #expect(text.contains("Plan: 7 to add, 0 to change, 0 to replace, 0 to destroy."), "\(text)")
    }

    @Test func anUpgradeRollsOneMachineAtATimeControlPlaneFirstNewBeforeOld() throws {
        let (plan, state) = try Self.plan(from: ClusterSpecs.cluster(version: "1.31"), to: ClusterSpecs.cluster(version: "1.32"))
        let old = state.resources.filter { $0.id.kind == .virtualMachine }.map(\.id.name).sorted()
        #expect(old.count == 5)
        #expect(plan.summary.line == "Plan: 5 to add, 1 to change, 0 to replace, 5 to destroy.", "\(plan.summary.line)")
        // The one order every step sequence must follow: a total order of the machines' steps.
        let machineSteps = plan.steps.filter { $0.resource.kind == .virtualMachine }
        let before = Self.prerequisites(plan)
        let sequence = machineSteps.sorted { before[$1.index]?.contains($0.index) == true }
        for (earlier, later) in zip(sequence, sequence.dropFirst()) {
            #expect(before[later.index]?.contains(earlier.index) == true, "\(earlier.operation) \(earlier.resource) before \(later.operation) \(later.resource)")
        }
        let described = sequence.map { "\($0.operation) \($0.resource.name.contains("-cp-") ? "cp" : "worker") \($0.resource.name.contains("v132") ? "new" : "old")" }
        #expect(described == [
            "create cp new", "delete cp old", "create cp new", "delete cp old", "create cp new", "delete cp old",
            "create worker new", "delete worker old", "create worker new", "delete worker old",
        ], "\(described)")
        let cluster = try Self.step(plan, .update, "k8s")
        #expect(before[cluster]?.isSuperset(of: machineSteps.filter { $0.operation == .create }.map(\.index)) == true)
    }

    @Test func aPoolResizeAddsOrRemovesOnlyThatPoolsMachines() throws {
        let grown = try Self.plan(from: ClusterSpecs.cluster(), to: ClusterSpecs.cluster(pools: [("general", 4, "debian-12")])).plan
        #expect(grown.changes.filter { $0.action == .create }.map(\.id.name).sorted().allSatisfy { $0.contains("-general-") })
        #expect(grown.summary.line == "Plan: 2 to add, 1 to change, 0 to replace, 0 to destroy.", "\(grown.summary.line)")
        let shrunk = try Self.plan(from: ClusterSpecs.cluster(), to: ClusterSpecs.cluster(pools: [("general", 1, "debian-12")])).plan
        #expect(shrunk.changes.filter { $0.action == .delete }.map(\.id.name).allSatisfy { $0.hasSuffix("-1") && $0.contains("-general-") })
        #expect(shrunk.summary.line == "Plan: 0 to add, 1 to change, 0 to replace, 1 to destroy.", "\(shrunk.summary.line)")
    }

    @Test func joiningRunningBareMetalNodesReprovisionsThemOneAtATime() throws {
        let metal = ClusterSpecs.metal(["rack-1", "rack-2", "rack-3"])
        let old = ClusterSpecs.expand([ClusterSpecs.provider(), ClusterSpecs.network(), metal])
        let state = SimulatedApply.record(old.resources, graph: old.graph)
        let new = ClusterSpecs.expand([ClusterSpecs.provider(), ClusterSpecs.network(), metal, ClusterSpecs.clusterWithMetal()])
        #expect(new.diagnostics.isEmpty, "\(new.diagnostics)")
        let plan = try Planner().plan(resources: new.resources, graph: new.graph, state: state)
        #expect(plan.summary.line == "Plan: 3 to add, 0 to change, 3 to replace, 0 to destroy.", "\(plan.summary.line)")
        let reasons = plan.changes.filter { $0.action == .replace }.flatMap(\.reasons)
        #expect(reasons.allSatisfy { $0.contains("spec.userData") }, "\(reasons)")
        let before = Self.prerequisites(plan)
        let plane = try Self.step(plan, .create, try #require(plan.changes.first { $0.id.name.contains("-cp-") }).id.name)
        let units = try ["rack-1", "rack-2", "rack-3"].map { (delete: try Self.step(plan, .delete, $0), create: try Self.step(plan, .create, $0)) }
        for unit in units { #expect(before[unit.create]?.contains(plane) == true, "joins after the control plane") }
        for (first, second) in zip(units, units.dropFirst()) {
            #expect(before[second.delete]?.contains(first.create) == true, "one node is re-provisioned at a time")
        }
    }

    @Test func aRecordedClusterWithItsMachinesIsNoChange() throws {
        let (plan, _) = try Self.plan(from: ClusterSpecs.cluster(), to: ClusterSpecs.cluster())
        #expect(!plan.hasChanges, "\(PlanTextRenderer().render(plan))")
    }
}
