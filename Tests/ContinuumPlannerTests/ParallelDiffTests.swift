import ContinuumGraph
@testable import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Testing

/// The planner diffs large sets level by level across cores: its plans and memos are those
/// of a sequential diff, whatever the edits.
@Suite("Parallel diff")
struct ParallelDiffTests {
    @Test(arguments: [21, 22, 23] as [UInt64])
    func aParallelDiffPlansAsASequentialOneDoes(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        var fleet = ReplanTests.Fleet(sites: 12, machines: 300)
        let (state, _) = try fleet.applied()
        var parallel = Planner()
        parallel.parallelThreshold = 2
        var sequential = Planner()
        sequential.parallelThreshold = .max
        for _ in 0..<8 {
            for _ in 0..<20 {
                let name = "vm-\(Int.random(in: 0..<300, using: &random))"
                let site = Int.random(in: 0..<12, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: fleet.machines[name]?.cpu = Int.random(in: 1...16, using: &random)
                case 1: fleet.machines[name]?.image = ["debian-12", "debian-13"].randomElement(using: &random) ?? "debian-12"
                case 2: fleet.cidrs[site] = Int.random(in: 0..<200, using: &random)
                default: fleet.machines[name]?.site = site
                }
            }
            let (resources, graph) = fleet.load()
            for base in [state, .empty] {
                let expected = try sequential.planWithMemo(resources: resources, graph: graph, state: base)
                let actual = try parallel.planWithMemo(resources: resources, graph: graph, state: base)
                #expect(actual.plan == expected.plan)
                #expect(actual.memo.changes == expected.memo.changes)
            }
        }
    }
}
