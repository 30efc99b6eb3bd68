@testable import ContinuumPlanner
import ContinuumSpec
import ContinuumTesting
import Testing

/// A plan lists its changes in id order, whether they come in order (merged with the
/// removals) or not (a cluster's machines follow it), and the change table's planned
/// positions follow every set, one at a time or a whole plan's.
@Suite("Planner: change order and the change table")
struct ChangeOrderTests {
    static func change(_ name: String, _ action: ChangeAction = .create, kind: ResourceKind = .virtualMachine) -> ResourceChange {
        ResourceChange(id: ResourceID(kind, name), action: action, provider: "cloud")
    }

    @Test(arguments: [
        (["b", "d", "f"], ["a", "c", "g"]),
        (["b", "d", "f"], []),
        ([], ["c", "a"]),
        (["f", "b", "d"], ["c"]),
        (["a", "z", "m", "n"], ["b", "y"]),
    ] as [([String], [String])])
    func changesAndRemovalsComeInIDOrder(changes: [String], removals: [String]) {
        let sorted = Planner.sortedByID(changes.map { Self.change($0) }, merging: removals.map { Self.change($0, .delete) })
        #expect(sorted.map(\.id.name) == (changes + removals).sorted())
        #expect(sorted.filter { $0.action == .delete }.map(\.id.name).sorted() == removals.sorted())
    }

    @Test func theTableKnowsItsPlannedPositionsThroughEverySet() {
        var random = SplitMix(seed: 7)
        var table = ChangeTable(count: 3_000)
        var expected = [ResourceChange?](repeating: nil, count: 3_000)
        let actions: [ChangeAction?] = [nil, .noop, .noop, .create, .update, .replace, .delete]
        for round in 0..<40 {
            // A whole plan's worth of sets now and then, a few at a time otherwise.
            let count = round % 10 == 0 ? 3_000 : Int.random(in: 1...30, using: &random)
            for _ in 0..<count {
                let position = Int.random(in: 0..<3_000, using: &random)
                let change = actions.randomElement(using: &random).flatMap { $0 }.map { Self.change("vm-\(position)", $0) }
                table[position] = change
                expected[position] = change
            }
            let copy = table
            table.settle()
            #expect(table.planned == expected.indices.filter { expected[$0].map { $0.action != .noop } ?? false }, "round \(round)")
            #expect(table.decided == expected.count { $0 != nil }, "round \(round)")
            #expect((0..<3_000).allSatisfy { table[$0] == expected[$0] })
            #expect(copy == table, "a copy holds the same changes")
        }
    }

    @Test func aCopyIsNotChangedByTheOriginalsSets() {
        var table = ChangeTable(count: 2_500)
        table[2_000] = Self.change("kept")
        table.settle()
        let kept = table
        table[2_000] = Self.change("replaced", .update)
        table[10] = Self.change("new")
        table.settle()
        #expect(kept[2_000]?.id.name == "kept")
        #expect(kept[10] == nil)
        #expect(kept.planned == [2_000])
        #expect(table.planned == [10, 2_000])
    }
}
