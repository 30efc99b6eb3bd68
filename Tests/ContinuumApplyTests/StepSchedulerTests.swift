@testable import ContinuumApply
import ContinuumPlanner
import ContinuumSpec
import ContinuumTesting
import Testing

/// The scheduling state machine, exhaustively on small DAGs.
@Suite("Step scheduler")
struct StepSchedulerTests {
    private func steps(_ waits: [[Int]]) -> [PlanStep] {
        waits.enumerated().map { PlanStep(index: $0, resource: ResourceID(.virtualMachine, "r\($0)"), operation: .create, dependsOn: $1) }
    }

    @Test func theLongestRemainingPathStartsFirst() {
        // 0 -> 1 -> 2 is a chain of three; 3 stands alone. With one slot, 0 must go first.
        var scheduler = StepScheduler(steps: steps([[], [0], [1], []]), providers: ["p", "p", "p", "p"], estimates: [1, 1, 1, 1], providerLimits: [:], globalLimit: 1, policy: .criticalPath)
        #expect(scheduler.priority == [3, 2, 1, 1])
        #expect(scheduler.next() == 0)
        #expect(scheduler.next() == nil, "the global limit is one")
        scheduler.succeed(0)
        #expect(scheduler.next() == 1)
    }

    @Test func fifoStartsStepsInTheOrderTheyBecameReady() {
        // 0 and 1 are ready at once; 2 waits for 0, 3 for 1. 3 has the longer estimate, yet
        // FIFO starts 2 first because 0 finished first; critical-path would start 3.
        var fifo = StepScheduler(steps: steps([[], [], [0], [1], []]), providers: Array(repeating: "p", count: 5), estimates: [1, 1, 1, 9, 1], providerLimits: [:], globalLimit: 2, policy: .fifo)
        #expect(fifo.next() == 0)
        #expect(fifo.next() == 1)
        fifo.succeed(0)
        fifo.succeed(1)
        #expect(fifo.next() == 4, "ready since the start, ahead of 2 and 3")
        #expect(fifo.next() == 2)
        fifo.succeed(4)
        #expect(fifo.next() == 3)

        var critical = StepScheduler(steps: steps([[], [], [0], [1], []]), providers: Array(repeating: "p", count: 5), estimates: [1, 1, 1, 9, 1], providerLimits: [:], globalLimit: 2, policy: .criticalPath)
        #expect(critical.next() == 1, "1 leads the longest path")
        #expect(critical.next() == 0)
        critical.succeed(0)
        critical.succeed(1)
        #expect(critical.next() == 3)
    }

    @Test func aProviderLimitHoldsBackItsStepsButNotOthers() {
        var scheduler = StepScheduler(steps: steps([[], [], []]), providers: ["a", "a", "b"], estimates: [5, 4, 1], providerLimits: ["a": 1], globalLimit: 10, policy: .criticalPath)
        #expect(scheduler.next() == 0)
        #expect(scheduler.next() == 2, "a is at its limit; b's step may start")
        #expect(scheduler.next() == nil)
        scheduler.succeed(0)
        #expect(scheduler.next() == 1)
    }

    @Test func aFailureSkipsEverythingDownstreamAndNothingElse() {
        // 0 -> 1 -> 3, 2 -> 3, 4 independent.
        var scheduler = StepScheduler(steps: steps([[], [0], [], [1, 2], []]), providers: Array(repeating: "p", count: 5), estimates: [1, 1, 1, 1, 1], providerLimits: [:], globalLimit: 10, policy: .criticalPath)
        var started: [Int] = []
        while let step = scheduler.next() { started.append(step) }
        #expect(started.sorted() == [0, 2, 4])
        #expect(scheduler.fail(0) == [1, 3])
        scheduler.succeed(2)
        scheduler.succeed(4)
        #expect(scheduler.next() == nil)
        #expect(scheduler.isFinished)
        #expect(scheduler.status == [.failed, .skipped, .succeeded, .skipped, .succeeded])
    }

    @Test func stoppingSkipsWhatHasNotStarted() {
        var scheduler = StepScheduler(steps: steps([[], [0], []]), providers: ["p", "p", "p"], estimates: [1, 1, 1], providerLimits: [:], globalLimit: 1, policy: .criticalPath)
        #expect(scheduler.next() == 0)
        #expect(scheduler.stop() == [1, 2])
        scheduler.succeed(0)
        #expect(scheduler.next() == nil)
        #expect(scheduler.isFinished)
    }

    @Test func equalPrioritiesTakeTurnsAcrossProvidersSoNoneIsLeftForTheEnd() {
        // Six independent steps of equal estimate, three per provider, in plan order a, a, a, b, b, b.
        var scheduler = StepScheduler(
            steps: steps(Array(repeating: [], count: 6)), providers: ["a", "a", "a", "b", "b", "b"], estimates: Array(repeating: 5, count: 6),
            providerLimits: [:], globalLimit: 10, policy: .criticalPath)
        var started: [Int] = []
        while let step = scheduler.next() { started.append(step) }
        #expect(started == [0, 3, 1, 4, 2, 5])
    }

    /// On random DAGs over three providers with limits, with random completions and
    /// failures, every step offered is the one a plain scan of all ready steps would pick:
    /// the best by priority, then by its provider's progress (or the first ready, for FIFO),
    /// among those whose provider has room.
    @Test(arguments: [(1, SchedulingPolicy.criticalPath), (2, .criticalPath), (3, .fifo), (4, .fifo)] as [(UInt64, SchedulingPolicy)])
    func offersWhatAScanOfEveryReadyStepWould(seed: UInt64, policy: SchedulingPolicy) {
        var random = SplitMix(seed: seed)
        let count = 120
        let waits = (0..<count).map { index in index == 0 ? [] : (0..<Int.random(in: 0...2, using: &random)).map { _ in Int.random(in: 0..<index, using: &random) } }
        let providers = (0..<count).map { _ in ["a", "b", "c"][Int.random(in: 0..<3, using: &random)] }
        let limits = ["a": 1, "b": 3]
        let estimates = (0..<count).map { _ in Int64.random(in: 1...9, using: &random) }
        var scheduler = StepScheduler(steps: steps(waits.map { Array(Set($0)).sorted() }), providers: providers, estimates: estimates, providerLimits: limits, globalLimit: 5, policy: policy)

        // The reference: ready steps in the order they became ready, scanned in full.
        var readyOrder = (0..<count).filter { waits[$0].isEmpty }
        var running: [Int] = []
        var ended = Set<Int>()
        while true {
            while running.count < 5 {
                let busy = Dictionary(grouping: running, by: { providers[$0] }).mapValues(\.count)
                let eligible = readyOrder.filter { busy[providers[$0], default: 0] < limits[providers[$0]] ?? .max }
                let expected = policy == .fifo ? eligible.first : eligible.min { (scheduler.priority[$0], -scheduler.progress[$0], -$0) > (scheduler.priority[$1], -scheduler.progress[$1], -$1) }
                let offered = scheduler.next()
                #expect(offered == expected, "seed \(seed)")
                guard let offered, offered == expected else { break }
                readyOrder.removeAll { $0 == offered }
                running.append(offered)
            }
            guard !running.isEmpty else { break }
            let done = running.remove(at: Int.random(in: 0..<running.count, using: &random))
            if Int.random(in: 0..<10, using: &random) == 0 {
                let skipped = Set(scheduler.fail(done))
                ended.formUnion(skipped)
                readyOrder.removeAll { skipped.contains($0) }
            } else {
                scheduler.succeed(done)
            }
            ended.insert(done)
            for step in 0..<count where !ended.contains(step) && !running.contains(step) && !readyOrder.contains(step) && waits[step].allSatisfy({ ended.contains($0) && scheduler.status[$0] == .succeeded }) {
                readyOrder.append(step)
            }
        }
        #expect(scheduler.isFinished)
    }
}
