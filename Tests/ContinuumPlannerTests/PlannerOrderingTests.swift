import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// The plan's DAG of operations: spec-v1's ordering rules.
@Suite("Planner: operation ordering")
struct PlannerOrderingTests {
    private let providers = SpecSamples.file(SpecSamples.provider(), SpecSamples.provider("es-bio-cloud"))

    private func expectTopological(_ plan: Plan) {
        for step in plan.steps { #expect(step.dependsOn.allSatisfy { $0 < step.index }, "step \(step.index) waits for a later step") }
    }

    @Test func createsRunAfterTheirDependencies() throws {
        let plan = try PlanHarness.plan(["p.yaml": providers, "a.yaml": SpecSamples.file(SpecSamples.network(), SpecSamples.virtualMachine())])
        #expect(PlanHarness.steps(plan) == [
            "create Network/fra-edge",
            "create VirtualMachine/web-1 after create Network/fra-edge",
        ])
        expectTopological(plan)
    }

    @Test func deletesRunBeforeTheDeletesOfWhatTheyDependOn() throws {
        let state = try PlanHarness.applied(["p.yaml": providers, "a.yaml": SpecSamples.file(SpecSamples.network(), SpecSamples.virtualMachine())])
        let plan = try PlanHarness.plan(["p.yaml": providers], state: state)
        #expect(PlanHarness.steps(plan) == [
            "delete VirtualMachine/web-1",
            "delete Network/fra-edge after delete VirtualMachine/web-1",
        ])
        expectTopological(plan)
    }

    @Test func aDestroyFirstReplaceCreatesAfterItsDeleteAndDependentsWaitForTheCreate() throws {
        let before = SpecSamples.file(
            SpecSamples.network(), SpecSamples.virtualMachine("web-1"),
            SpecSamples.virtualMachine("web-2", extra: ["userData: \"peer=${VirtualMachine/web-1.outputs.ipAddress}\""]))
        let state = try PlanHarness.applied(["p.yaml": providers, "a.yaml": before])
        let after = before.replacingFirst("image: debian-12", with: "image: debian-13")
        let plan = try PlanHarness.plan(["p.yaml": providers, "a.yaml": after], state: state)
        #expect(PlanHarness.steps(plan) == [
            "delete VirtualMachine/web-1",
            "create VirtualMachine/web-1 after delete VirtualMachine/web-1",
            "update VirtualMachine/web-2 after create VirtualMachine/web-1",
        ])
        #expect(PlanHarness.fields(plan.change(.virtualMachine, "web-2")) == ["spec.userData: \"peer=ipAddress-of-web-1\" -> (known after apply)"])
        expectTopological(plan)
    }

    @Test func aProviderMoveCreatesTheNewOneBeforeDeletingTheOld() throws {
        let state = try PlanHarness.applied(["p.yaml": providers, "a.yaml": SpecSamples.file(SpecSamples.network(), SpecSamples.virtualMachine(networks: []))])
        let plan = try PlanHarness.plan(
            ["p.yaml": providers, "a.yaml": SpecSamples.file(SpecSamples.network(), SpecSamples.virtualMachine(provider: "es-bio-cloud", networks: []))], state: state)
        #expect(PlanHarness.steps(plan) == [
            "create VirtualMachine/web-1",
            "delete VirtualMachine/web-1 after create VirtualMachine/web-1",
        ])
        #expect(plan.change(.virtualMachine, "web-1")?.previousProvider == "de-fra-cloud")
        #expect(plan.change(.virtualMachine, "web-1")?.symbol == "+/-")
    }

    @Test func createBeforeDestroyIsInheritedDownAChainOfReplacesOnly() throws {
        // web-2 (replaced, create-before-destroy) depends on web-1, which depends on the
        // network: both are replaced too, and inherit it, the network through web-1. A replace
        // no create-before-destroy replace depends on (web-3, its network bio-net) keeps
        // destroy-first.
        let before = SpecSamples.file(
            SpecSamples.network(), SpecSamples.virtualMachine("web-1"),
            SpecSamples.virtualMachine("web-2", dependsOn: ["VirtualMachine/web-1"]),
            SpecSamples.network("bio-net", cidr: "10.30.0.0/24"), SpecSamples.virtualMachine("web-3", networks: ["Network/bio-net"]))
        let state = try PlanHarness.applied(["p.yaml": providers, "a.yaml": before])
        let after = SpecSamples.file(
            SpecSamples.network(cidr: "10.21.0.0/24"), SpecSamples.virtualMachine("web-1", image: "debian-13"),
            SpecSamples.virtualMachine("web-2", image: "debian-13", lifecycle: ["createBeforeDestroy: true"], dependsOn: ["VirtualMachine/web-1"]),
            SpecSamples.network("bio-net", cidr: "10.31.0.0/24"), SpecSamples.virtualMachine("web-3", image: "debian-13", networks: ["Network/bio-net"]))
        let plan = try PlanHarness.plan(["p.yaml": providers, "a.yaml": after], state: state)
        #expect(plan.change(.virtualMachine, "web-2")?.replaceOrder == .createBeforeDestroy)
        #expect(plan.change(.virtualMachine, "web-1")?.replaceOrder == .createBeforeDestroy, "from web-2, which depends on it")
        #expect(plan.change(.network, "fra-edge")?.replaceOrder == .createBeforeDestroy, "from web-1, which inherited it")
        #expect(plan.change(.virtualMachine, "web-3")?.action == .replace)
        #expect(plan.change(.virtualMachine, "web-3")?.replaceOrder == .destroyBeforeCreate)
        #expect(plan.change(.network, "bio-net")?.replaceOrder == .destroyBeforeCreate)
    }

    @Test func createBeforeDestroyIsInheritedByReplacedDependencies() throws {
        let state = try PlanHarness.applied(["p.yaml": providers, "a.yaml": SpecSamples.file(SpecSamples.network(), SpecSamples.virtualMachine())])
        let after = SpecSamples.file(
            SpecSamples.network(cidr: "10.21.0.0/24"), SpecSamples.virtualMachine(image: "debian-13", lifecycle: ["createBeforeDestroy: true"]))
        let plan = try PlanHarness.plan(["p.yaml": providers, "a.yaml": after], state: state)
        #expect(plan.change(.network, "fra-edge")?.replaceOrder == .createBeforeDestroy)
        #expect(PlanHarness.steps(plan) == [
            "create Network/fra-edge",
            "create VirtualMachine/web-1 after create Network/fra-edge",
            "delete VirtualMachine/web-1 after create VirtualMachine/web-1",
            "delete Network/fra-edge after create Network/fra-edge, create VirtualMachine/web-1, delete VirtualMachine/web-1",
        ])
        expectTopological(plan)
    }

    @Test func updatesWaitForTheUpdatesOfTheirDependencies() throws {
        let before = SpecSamples.file(SpecSamples.network(), SpecSamples.virtualMachine("web-1"), SpecSamples.virtualMachine("web-2", dependsOn: ["VirtualMachine/web-1"]))
        let state = try PlanHarness.applied(["p.yaml": providers, "a.yaml": before])
        let plan = try PlanHarness.plan(["p.yaml": providers, "a.yaml": before.replacingOccurrences(of: "cpu: 2", with: "cpu: 3")], state: state)
        #expect(PlanHarness.steps(plan) == [
            "update VirtualMachine/web-1",
            "update VirtualMachine/web-2 after update VirtualMachine/web-1",
        ])
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
