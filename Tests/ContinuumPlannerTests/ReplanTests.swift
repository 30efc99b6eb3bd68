import ContinuumGraph
import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Testing

/// `Planner.replan` re-diffs only what an edit touches, and its plan is the full plan's.
@Suite("Incremental re-planning")
struct ReplanTests {
    /// A fleet as editable values: per site a network and VMs interpolating its gateway.
    struct Fleet {
        var cidrs: [Int: Int] = [:]
        var machines: [String: (site: Int, cpu: Int, image: String, createBeforeDestroy: Bool)] = [:]

        var files: [String: String] {
            var files = ["providers.yaml": "apiVersion: continuum.dev/v1\nkind: Provider\nmetadata: {name: cloud}\nspec: {type: sim}\n"]
            for (site, cidr) in cidrs {
                files["net-\(site).yaml"] = "apiVersion: continuum.dev/v1\nkind: Network\nmetadata: {name: net-\(site)}\nspec: {provider: cloud, cidr: 10.\(cidr).0.0/24}\n"
            }
            for (name, machine) in machines {
                files["\(name).yaml"] = """
                    apiVersion: continuum.dev/v1
                    kind: VirtualMachine
                    metadata: {name: \(name)}
                    lifecycle: {createBeforeDestroy: \(machine.createBeforeDestroy)}
                    spec: {provider: cloud, cpu: \(machine.cpu), memory: 1Gi, image: \(machine.image), networks: [Network/net-\(machine.site)], userData: "gw ${Network/net-\(machine.site).outputs.gateway}"}

                    """
            }
            return files
        }

        func load() -> (resources: [Resource], graph: ResourceGraph) {
            let repository = SpecHarness.load(files)
            return (repository.resources, GraphBuilder().build(repository.resources).graph)
        }

        /// A fleet of `sites` networks and `machines` VMs spread over them.
        init(sites: Int, machines: Int) {
            for site in 0..<sites { cidrs[site] = site }
            for index in 0..<machines { self.machines["vm-\(index)"] = (index % sites, 2, "debian-12", false) }
        }

        /// The state of this fleet applied, and the memo of its (no-change) plan.
        func applied() throws -> (state: StateSnapshot, memo: PlanningMemo) {
            let (resources, graph) = load()
            let state = SimulatedApply.record(resources, graph: graph)
            return (state, try Planner().planWithMemo(resources: resources, graph: graph, state: state).memo)
        }
    }

    @Test(arguments: [11, 12, 13, 14, 15] as [UInt64])
    func randomEditsReplanAsAFullPlanDoes(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        var fleet = Fleet(sites: 6, machines: 40)
        let (state, first) = try fleet.applied()
        var memo = first
        var incrementalRuns = 0
        for step in 0..<40 {
            let name = "vm-\(Int.random(in: 0..<40, using: &random))"
            let site = Int.random(in: 0..<6, using: &random)
            let edit: String
            switch Int.random(in: 0..<7, using: &random) {
            case 0: edit = "cpu of \(name)"; fleet.machines[name]?.cpu = Int.random(in: 1...16, using: &random)
            case 1: edit = "image of \(name)"; fleet.machines[name]?.image = ["debian-12", "debian-13", "ubuntu-24.04"].randomElement(using: &random) ?? "debian-12"
            case 2: edit = "cidr of net-\(site)"; fleet.cidrs[site] = Int.random(in: 0..<200, using: &random)
            case 3: edit = "createBeforeDestroy of \(name)"; fleet.machines[name]?.createBeforeDestroy.toggle()
            case 4: edit = "\(name) moves to net-\(site)"; fleet.machines[name]?.site = site
            case 5: edit = "add vm-x\(step)"; fleet.machines["vm-x\(step)"] = (site, 1, "debian-12", false)
            default: edit = "nothing"
            }
            let edited = fleet.load()
            let full = try Planner().plan(resources: edited.resources, graph: edited.graph, state: state)
            let incremental = try Planner().replan(resources: edited.resources, state: state, memo: memo)
            #expect(incremental.plan == full, "seed \(seed), step \(step): \(edit)")
            if incremental.rediffed < edited.resources.count { incrementalRuns += 1 }
            memo = incremental.memo
        }
        #expect(incrementalRuns > 20, "most edits were re-planned incrementally, not in full")
    }

    @Test func anEditReDiffsOnlyItsResourceAndWhatDependsOnIt() throws {
        var fleet = Fleet(sites: 4, machines: 20)
        let (state, memo) = try fleet.applied()
        fleet.machines["vm-3"]?.cpu = 8
        let vm = try Planner().replan(resources: fleet.load().resources, state: state, memo: memo)
        #expect(vm.rediffed == 1)
        #expect(vm.plan.summary.line == "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.")
        fleet.cidrs[1] = 99
        let network = try Planner().replan(resources: fleet.load().resources, state: state, memo: vm.memo)
        #expect(network.rediffed == 6, "the network and its five VMs")
        #expect(network.plan.summary.line == "Plan: 0 to add, 6 to change, 1 to replace, 0 to destroy.", "the network is replaced; its VMs get a new gateway, vm-3 a new cpu")
        let moved = try Planner().replan(resources: fleet.load().resources, state: StateSnapshot(serial: state.serial + 1, lineage: state.lineage, resources: state.resources), memo: network.memo)
        #expect(moved.rediffed == fleet.load().resources.count, "a moved state is planned in full")
    }

    @Test func aHintOfEditedPositionsReplansAsAFullComparisonDoes() throws {
        var fleet = Fleet(sites: 3, machines: 12)
        let (state, memo) = try fleet.applied()
        let unchanged = fleet.load()
        let same = try Planner().replan(resources: unchanged.resources, state: state, memo: memo, edited: [])
        #expect(same.rediffed == 0)
        #expect(same.plan == (try Planner().plan(resources: unchanged.resources, graph: unchanged.graph, state: state)))
        #expect(memo.matches(state))
        #expect(!memo.matches(StateSnapshot(serial: state.serial + 1, lineage: state.lineage, resources: state.resources)))

        fleet.machines["vm-5"]?.cpu = 9
        let edited = fleet.load()
        let position = try #require(edited.resources.firstIndex { $0.id.name == "vm-5" })
        let hinted = try Planner().replan(resources: edited.resources, state: state, memo: memo, edited: [position, edited.resources.count + 7])
        #expect(hinted.rediffed == 1, "only the hinted position is compared; one out of range is ignored")
        #expect(hinted.plan == (try Planner().plan(resources: edited.resources, graph: edited.graph, state: state)))
    }
}
