import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Testing

/// A spec before and after an edit, and the action the planner must decide for the VM.
struct ActionCase: CustomTestStringConvertible, Sendable {
    let name: String
    let before: String
    let after: String
    let action: ChangeAction
    let order: ReplaceOrder?
    let reasons: [String]
    let fields: [String]
    var testDescription: String { name }
}

private let base = SpecSamples.file(SpecSamples.provider(), SpecSamples.provider("es-bio-cloud"), SpecSamples.network())

@Suite("Planner: one action per spec-v1 rule")
struct PlannerActionTests {
    static let cases: [ActionCase] = [
        ActionCase(name: "unchanged is a no-op", before: SpecSamples.virtualMachine(), after: SpecSamples.virtualMachine(),
            action: .noop, order: nil, reasons: [], fields: []),
        ActionCase(name: "cpu changes in place", before: SpecSamples.virtualMachine(), after: SpecSamples.virtualMachine(cpu: "4"),
            action: .update, order: nil, reasons: [], fields: ["spec.cpu: 2 -> 4"]),
        ActionCase(name: "equal quantities are no change", before: SpecSamples.virtualMachine(memory: "4Gi"), after: SpecSamples.virtualMachine(memory: "4096Mi"),
            action: .noop, order: nil, reasons: [], fields: []),
        ActionCase(name: "power and userData change in place", before: SpecSamples.virtualMachine(),
            after: SpecSamples.virtualMachine(extra: ["power: off", "userData: hello"]),
            action: .update, order: nil, reasons: [], fields: ["spec.power: \"on\" -> \"off\"", "spec.userData: nil -> \"hello\""]),
        ActionCase(name: "an image change replaces, destroy first", before: SpecSamples.virtualMachine(), after: SpecSamples.virtualMachine(image: "debian-13"),
            action: .replace, order: .destroyBeforeCreate, reasons: ["spec.image is immutable"], fields: ["spec.image: \"debian-12\" -> \"debian-13\" (forces)"]),
        ActionCase(name: "createBeforeDestroy creates first", before: SpecSamples.virtualMachine(),
            after: SpecSamples.virtualMachine(image: "debian-13", lifecycle: ["createBeforeDestroy: true"]),
            action: .replace, order: .createBeforeDestroy, reasons: ["spec.image is immutable"], fields: ["spec.image: \"debian-12\" -> \"debian-13\" (forces)"]),
        ActionCase(name: "a disk change replaces", before: SpecSamples.virtualMachine(), after: SpecSamples.virtualMachine(extra: ["disks: [{size: 40Gi}]"]),
            action: .replace, order: .destroyBeforeCreate, reasons: ["spec.disks is immutable"], fields: ["spec.disks: [] -> nil (forces)", "spec.disks[0].size: nil -> 40Gi (forces)"]),
        ActionCase(name: "a provider move is create-before-destroy", before: SpecSamples.virtualMachine(networks: []),
            after: SpecSamples.virtualMachine(provider: "es-bio-cloud", networks: []),
            action: .replace, order: .createBeforeDestroy, reasons: ["spec.provider changed: moving from provider 'de-fra-cloud' to 'es-bio-cloud'"],
            fields: ["spec.provider: \"de-fra-cloud\" -> \"es-bio-cloud\" (forces)"]),
        ActionCase(name: "a provider move can be destroy-first", before: SpecSamples.virtualMachine(networks: []),
            after: SpecSamples.virtualMachine(provider: "es-bio-cloud", networks: [], lifecycle: ["createBeforeDestroy: false"]),
            action: .replace, order: .destroyBeforeCreate, reasons: ["spec.provider changed: moving from provider 'de-fra-cloud' to 'es-bio-cloud'"],
            fields: ["spec.provider: \"de-fra-cloud\" -> \"es-bio-cloud\" (forces)"]),
        ActionCase(name: "ignoreChanges hides a change", before: SpecSamples.virtualMachine(),
            after: SpecSamples.virtualMachine(cpu: "8", lifecycle: ["ignoreChanges: [spec.cpu]"]),
            action: .noop, order: nil, reasons: [], fields: []),
        ActionCase(name: "ignoreChanges hides only its paths", before: SpecSamples.virtualMachine(),
            after: SpecSamples.virtualMachine(cpu: "8", image: "debian-13", lifecycle: ["ignoreChanges: [spec.image]"]),
            action: .update, order: nil, reasons: [], fields: ["spec.cpu: 2 -> 8"]),
    ]

    @Test(arguments: cases)
    func decidesTheAction(_ testCase: ActionCase) throws {
        let state = try PlanHarness.applied(["a.yaml": base, "vm.yaml": testCase.before])
        let plan = try PlanHarness.plan(["a.yaml": base, "vm.yaml": testCase.after], state: state)
        let change = plan.change(.virtualMachine, "web-1")
        #expect(change?.action ?? .noop == testCase.action)
        #expect(change?.replaceOrder == testCase.order)
        #expect(change?.reasons ?? [] == testCase.reasons)
        #expect(PlanHarness.fields(change) == testCase.fields)
        #expect(plan.stateSerial == 7)
        #expect(plan.unchangedCount == (testCase.action == .noop ? 2 : 1))
    }

    @Test func anEmptyStatePlansEveryResourceAsACreateButNoProvider() throws {
        let plan = try PlanHarness.plan(["a.yaml": base, "vm.yaml": SpecSamples.virtualMachine()])
        #expect(plan.changes.map(\.id.description) == ["Network/fra-edge", "VirtualMachine/web-1"])
        #expect(plan.changes.allSatisfy { $0.action == .create })
        #expect(plan.summary.line == "Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy.")
        #expect(PlanHarness.fields(plan.change(.network, "fra-edge")) == [
            "spec.cidr: nil -> \"10.20.0.0/24\"", "spec.provider: nil -> \"de-fra-cloud\"",
        ])
    }

    @Test func aMatchingStateHasNoChanges() throws {
        let files = ["a.yaml": base, "vm.yaml": SpecSamples.virtualMachine()]
        let plan = try PlanHarness.plan(files, state: PlanHarness.applied(files))
        #expect(!plan.hasChanges)
        #expect(plan.summary.line == "No changes. Infrastructure matches the spec.")
        #expect(plan.steps.isEmpty)
    }

    @Test func aRemovedResourceIsDeletedWhenPruning() throws {
        let state = try PlanHarness.applied(["a.yaml": base, "vm.yaml": SpecSamples.virtualMachine()])
        let plan = try PlanHarness.plan(["a.yaml": base], state: state)
        #expect(plan.changes.map { "\($0.action) \($0.id) on \($0.provider)" } == ["delete VirtualMachine/web-1 on de-fra-cloud"])
        #expect(plan.summary.line == "Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy.")
    }

    @Test func aRemovedResourceIsAnOrphanWithoutPruning() throws {
        let state = try PlanHarness.applied(["a.yaml": base, "vm.yaml": SpecSamples.virtualMachine()])
        let plan = try PlanHarness.plan(["a.yaml": base], state: state, options: PlanOptions(prune: false))
        #expect(!plan.hasChanges)
        #expect(plan.orphans == [ResourceID(.virtualMachine, "web-1")])
        #expect(PlanTextRenderer().render(plan).contains("Not pruned (gone from the spec, pruning is off): VirtualMachine/web-1"))
    }

    @Test func preventDestroyRefusesADelete() throws {
        let state = try PlanHarness.applied(["a.yaml": base, "vm.yaml": SpecSamples.virtualMachine(lifecycle: ["preventDestroy: true"])])
        #expect(try PlanHarness.refusal(["a.yaml": base], state: state) == [
            "VirtualMachine/web-1: error: lifecycle.preventDestroy is set and the resource is gone from the spec, so this plan would delete it; restore its spec, or first apply it with preventDestroy: false"
        ])
    }

    @Test func preventDestroyRefusesAReplace() throws {
        let guarded = ["preventDestroy: true"]
        let state = try PlanHarness.applied(["a.yaml": base, "vm.yaml": SpecSamples.virtualMachine(lifecycle: guarded)])
        let errors = try PlanHarness.refusal(["a.yaml": base, "vm.yaml": SpecSamples.virtualMachine(image: "debian-13", lifecycle: guarded)], state: state)
        #expect(errors == [
            "vm.yaml:11:10: error: VirtualMachine/web-1 has lifecycle.preventDestroy set, but this plan would replace it (spec.image is immutable); revert the change, or first apply with preventDestroy: false"
        ])
    }

    @Test func preventDestroyAllowsInPlaceUpdates() throws {
        let guarded = ["preventDestroy: true"]
        let state = try PlanHarness.applied(["a.yaml": base, "vm.yaml": SpecSamples.virtualMachine(lifecycle: guarded)])
        let plan = try PlanHarness.plan(["a.yaml": base, "vm.yaml": SpecSamples.virtualMachine(cpu: "4", lifecycle: guarded)], state: state)
        #expect(plan.change(.virtualMachine, "web-1")?.action == .update)
    }
}

@Suite("Planner: provider-declared immutable fields")
struct ProviderImmutableFieldTests {
    @Test func aFieldTheProviderCannotChangeInPlaceForcesAReplace() throws {
        let files = ["a.yaml": SpecSamples.file(SpecSamples.provider(), SpecSamples.network(), SpecSamples.virtualMachine())]
        let state = try PlanHarness.applied(files)
        let changed = ["a.yaml": SpecSamples.file(SpecSamples.provider(), SpecSamples.network(), SpecSamples.virtualMachine(memory: "8Gi"))]
        let options = PlanOptions(providerImmutableFields: ["de-fra-cloud": [.virtualMachine: ["spec.memory"]]])
        let change = try PlanHarness.plan(changed, state: state, options: options).change(.virtualMachine, "web-1")
        #expect(change?.action == .replace)
        #expect(change?.reasons == ["spec.memory cannot change in place on provider 'de-fra-cloud'"])
        #expect(try PlanHarness.plan(changed, state: state).change(.virtualMachine, "web-1")?.action == .update)
    }
}
