import ContinuumPlanner
import HeapModule

/// The scheduling state machine of an apply (a value type; the executor does the I/O).
///
/// Among ready steps it offers the one with the longest remaining path to the end of the
/// plan (critical-path priority, from each step's estimated duration), or, with the FIFO
/// policy, the one that became ready first (ties in plan order), as a Terraform-style walk
/// with a `-parallelism` semaphore would. A step runs only
/// when the global limit and its provider's limit have room. A failed step's dependents,
/// transitively, are skipped; independent branches go on.
struct StepScheduler {
    /// How ready steps are ordered.
    enum Policy: String, Sendable {
        /// Longest remaining path first.
        case criticalPath
        /// First ready, first started; steps ready at the same time in plan order.
        case fifo
    }

    /// Where a step stands.
    enum Status: Equatable, Sendable {
        case waiting, ready, running, succeeded, failed, skipped
    }

    private(set) var status: [Status]
    /// The remaining-path length of each step, in nanoseconds of estimated work.
    let priority: [Int64]
    private let dependents: [[Int]]
    private var unmet: [Int]
    private let providerOfStep: [String]
    private let providerLimits: [String: Int]
    private let globalLimit: Int
    private var running = 0
    private var runningByProvider: [String: Int] = [:]
    private var ready: Heap<Entry>
    private let policy: Policy
    /// How many steps became ready so far: the FIFO policy's queue position.
    private var enqueued: Int64 = 0

    /// A ready step; an entry sorts first when its priority is higher (then by plan order),
    /// so the heap's minimum is the step to start next.
    private struct Entry: Comparable {
        var priority: Int64
        var step: Int
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.priority != rhs.priority ? lhs.priority > rhs.priority : lhs.step < rhs.step
        }
    }

    /// - Parameters:
    ///   - steps: the plan's steps (dependency-first order).
    ///   - providers: the provider each step calls.
    ///   - estimates: each step's estimated duration in nanoseconds.
    init(steps: [PlanStep], providers: [String], estimates: [Int64], providerLimits: [String: Int], globalLimit: Int, policy: Policy) {
        var dependents = [[Int]](repeating: [], count: steps.count)
        for step in steps { for dependency in step.dependsOn { dependents[dependency].append(step.index) } }
        var priority = [Int64](repeating: 0, count: steps.count)
        for index in steps.indices.reversed() {
            let downstream = dependents[index].map { priority[$0] }.max() ?? 0
            priority[index] = estimates[index] + downstream
        }
        self.policy = policy
        self.priority = priority
        self.dependents = dependents
        self.unmet = steps.map { $0.dependsOn.count }
        self.providerOfStep = providers
        self.providerLimits = providerLimits
        self.globalLimit = max(1, globalLimit)
        self.status = steps.map { $0.dependsOn.isEmpty ? .ready : .waiting }
        self.ready = Heap()
        for step in steps.indices where steps[step].dependsOn.isEmpty { enqueue(step) }
    }

    /// Adds a step that became ready: by its critical-path priority, or at the back of the queue.
    private mutating func enqueue(_ step: Int) {
        enqueued += 1
        ready.insert(Entry(priority: policy == .fifo ? -enqueued : priority[step], step: step))
    }

    /// Whether every step has ended (succeeded, failed or skipped).
    var isFinished: Bool { running == 0 && ready.isEmpty && !status.contains(.waiting) }

    /// Whether nothing runs now.
    var isIdle: Bool { running == 0 }

    /// The next step to start now, marked running; nil when none may start.
    mutating func next() -> Int? {
        guard running < globalLimit else { return nil }
        var deferred: [Entry] = []
        defer { for entry in deferred { ready.insert(entry) } }
        while let entry = ready.popMin() {
            let provider = providerOfStep[entry.step]
            if let limit = providerLimits[provider], runningByProvider[provider, default: 0] >= limit {
                deferred.append(entry)
                continue
            }
            status[entry.step] = .running
            running += 1
            runningByProvider[provider, default: 0] += 1
            return entry.step
        }
        return nil
    }

    /// Records that `step` succeeded and readies the steps waiting only for it.
    mutating func succeed(_ step: Int) {
        finish(step, as: .succeeded)
        for dependent in dependents[step] {
            unmet[dependent] -= 1
            if unmet[dependent] == 0, status[dependent] == .waiting {
                status[dependent] = .ready
                enqueue(dependent)
            }
        }
    }

    /// Records that `step` failed; returns the steps skipped because of it.
    @discardableResult
    mutating func fail(_ step: Int) -> [Int] {
        finish(step, as: .failed)
        var skipped: [Int] = []
        var pending = dependents[step]
        while let next = pending.popLast() {
            guard status[next] == .waiting || status[next] == .ready else { continue }
            status[next] = .skipped
            skipped.append(next)
            pending += dependents[next]
        }
        if !skipped.isEmpty {
            let gone = Set(skipped)
            ready = Heap(ready.unordered.filter { !gone.contains($0.step) })
        }
        return skipped.sorted()
    }

    /// Stops offering steps: every step not started is skipped.
    mutating func stop() -> [Int] {
        let skipped = status.indices.filter { status[$0] == .waiting || status[$0] == .ready }
        for step in skipped { status[step] = .skipped }
        ready = Heap()
        return skipped
    }

    private mutating func finish(_ step: Int, as outcome: Status) {
        status[step] = outcome
        running -= 1
        runningByProvider[providerOfStep[step], default: 1] -= 1
    }
}
