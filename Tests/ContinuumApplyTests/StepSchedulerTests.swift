@testable import ContinuumApply
import ContinuumPlanner
import ContinuumSpec
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
}
