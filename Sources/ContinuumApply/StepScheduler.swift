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
    /// Where a step stands.
    enum Status: Equatable, Sendable {
        case waiting, ready, running, succeeded, failed, skipped
    }

    private(set) var status: [Status]
    /// The remaining-path length of each step, in nanoseconds of estimated work.
    let priority: [Int64]
    private let dependents: [[Int]]
    private var unmet: [Int]
    private let policy: SchedulingPolicy
    private let globalLimit: Int
    private var running = 0
    /// How many steps became ready so far: the FIFO policy's queue position.
    private var enqueued: Int64 = 0

    /// Providers by index: each step's, each one's limit and how many of its steps run.
    private let providerOfStep: [Int]
    private let limitOfProvider: [Int]
    private var runningByProvider: [Int]
    /// The ready steps of each provider.
    private var queues: [Heap<Entry>]
    /// The first of each provider's queue while that provider has room: what `next` picks
    /// from, without looking at the steps of providers at their limit. An entry that is no
    /// longer its provider's `headOf` is stale and skipped.
    private var heads = Heap<Entry>()
    private var headOf: [Entry?]

    /// How far into its provider's steps each step is (a fraction, in parts of 2^20): among
    /// steps of equal priority, those of providers with the most work left go first.
    let progress: [Int64]

    /// A ready step; an entry sorts first when its priority is higher, then when its
    /// provider is less far through its steps, then by plan order: the heap's minimum is the
    /// step to start next. Without the middle rule, equal priorities would run the providers
    /// in plan order, and the last ones' work would be left for the end, under their own
    /// limits, with the global slots idle.
    private struct Entry: Comparable {
        var priority: Int64
        var progress: Int64
        var step: Int
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
            if lhs.progress != rhs.progress { return lhs.progress < rhs.progress }
            return lhs.step < rhs.step
        }
    }

    /// - Parameters:
    ///   - steps: the plan's steps (dependency-first order).
    ///   - providers: the provider each step calls.
    ///   - estimates: each step's estimated duration in nanoseconds.
    init(steps: [PlanStep], providers: [String], estimates: [Int64], providerLimits: [String: Int], globalLimit: Int, policy: SchedulingPolicy) {
        var dependents = [[Int]](repeating: [], count: steps.count)
        for step in steps { for dependency in step.dependsOn { dependents[dependency].append(step.index) } }
        var priority = [Int64](repeating: 0, count: steps.count)
        for index in steps.indices.reversed() {
            let downstream = dependents[index].map { priority[$0] }.max() ?? 0
            priority[index] = estimates[index] + downstream
        }
        var providerIndex: [String: Int] = [:]
        for name in providers where providerIndex[name] == nil { providerIndex[name] = providerIndex.count }
        let names = providerIndex.sorted { $0.value < $1.value }.map(\.key)
        self.priority = priority
        self.dependents = dependents
        self.unmet = steps.map { $0.dependsOn.count }
        self.policy = policy
        self.globalLimit = max(1, globalLimit)
        let providerOfStep = providers.map { providerIndex[$0] ?? 0 }
        self.providerOfStep = providerOfStep
        var stepsOfProvider = [Int64](repeating: 0, count: names.count)
        for provider in providerOfStep { stepsOfProvider[provider] += 1 }
        var seen = [Int64](repeating: 0, count: names.count)
        self.progress = providerOfStep.map { provider in
            defer { seen[provider] += 1 }
            return (seen[provider] << 20) / max(1, stepsOfProvider[provider])
        }
        self.limitOfProvider = names.map { providerLimits[$0].map { max(1, $0) } ?? .max }
        self.runningByProvider = [Int](repeating: 0, count: names.count)
        self.queues = [Heap<Entry>](repeating: Heap(), count: names.count)
        self.headOf = [Entry?](repeating: nil, count: names.count)
        self.status = steps.map { $0.dependsOn.isEmpty ? .ready : .waiting }
        for step in steps.indices where steps[step].dependsOn.isEmpty { enqueue(step) }
    }

    /// Whether every step has ended (succeeded, failed or skipped).
    var isFinished: Bool { running == 0 && !status.contains(.waiting) && !status.contains(.ready) }

    /// The next step to start now, marked running; nil when none may start.
    mutating func next() -> Int? {
        guard running < globalLimit else { return nil }
        while let entry = heads.popMin() {
            let provider = providerOfStep[entry.step]
            guard headOf[provider] == entry else { continue }
            _ = queues[provider].popMin()
            headOf[provider] = nil
            status[entry.step] = .running
            running += 1
            runningByProvider[provider] += 1
            offerHead(of: provider)
            return entry.step
        }
        return nil
    }

    /// Adds a step that became ready: by its critical-path priority, or at the back of the queue.
    private mutating func enqueue(_ step: Int) {
        enqueued += 1
        let provider = providerOfStep[step]
        queues[provider].insert(Entry(priority: policy == .fifo ? -enqueued : priority[step], progress: policy == .fifo ? 0 : progress[step], step: step))
        offerHead(of: provider)
    }

    /// Makes the first of the provider's queue a candidate for `next` if the provider has room.
    private mutating func offerHead(of provider: Int) {
        guard runningByProvider[provider] < limitOfProvider[provider], let first = queues[provider].min else {
            headOf[provider] = nil
            return
        }
        guard headOf[provider] != first else { return }
        headOf[provider] = first
        heads.insert(first)
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
        return skip(dependents[step])
    }

    /// Holds `steps` (another replica's, not started) and what depends on them,
    /// transitively: none of them runs. Returns every step held.
    mutating func hold(_ steps: [Int]) -> [Int] {
        skip(steps)
    }

    /// Skips `roots` and their dependents, transitively, among steps not started yet.
    private mutating func skip(_ roots: [Int]) -> [Int] {
        var skipped: [Int] = []
        var pending = roots
        while let next = pending.popLast() {
            guard status[next] == .waiting || status[next] == .ready else { continue }
            status[next] = .skipped
            skipped.append(next)
            pending += dependents[next]
        }
        if !skipped.isEmpty {
            let gone = Set(skipped)
            for provider in Set(skipped.map { providerOfStep[$0] }) {
                queues[provider] = Heap(queues[provider].unordered.filter { !gone.contains($0.step) })
                offerHead(of: provider)
            }
        }
        return skipped.sorted()
    }

    /// Stops offering steps: every step not started is skipped.
    mutating func stop() -> [Int] {
        let skipped = status.indices.filter { status[$0] == .waiting || status[$0] == .ready }
        for step in skipped { status[step] = .skipped }
        queues = queues.map { _ in Heap() }
        headOf = headOf.map { _ in nil }
        heads = Heap()
        return skipped
    }

    private mutating func finish(_ step: Int, as outcome: Status) {
        status[step] = outcome
        running -= 1
        runningByProvider[providerOfStep[step]] -= 1
        offerHead(of: providerOfStep[step])
    }
}
