import Foundation

/// A task executor on a thread of its own, with its own timers, for lease renewals: a
/// renewal that runs on Swift's cooperative pool waits while synchronous work (parsing,
/// planning 100,000 resources) keeps all of the pool's threads busy, and so does a task
/// woken from `Task.sleep` (its timer enqueues it on the pool). On this thread, sleeping
/// through `sleep(until:)`, a renewal runs when its time comes. Only the short renewal code
/// runs here (actors it calls run here too while they are free); the store's I/O runs on
/// the store's own threads.
final class RenewalExecutor: TaskExecutor, @unchecked Sendable {
    /// The one renewal thread of the process.
    static let shared = RenewalExecutor()

    private struct Timer {
        let id: UInt64
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Void, Never>
    }

    // `jobs`, `timers` and `nextID` are read and written only with `condition` locked:
    // hence @unchecked Sendable.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var timers: [Timer] = []
    private var nextID: UInt64 = 0

    private init() {
        let thread = Thread { [unowned self] in self.drain() }
        thread.name = "continuum-lease-renewal"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Suspends the calling task until `deadline` (or its cancellation), timed by this
    /// executor's thread rather than the global timer; a task that prefers this executor
    /// resumes on it.
    func sleep(until deadline: ContinuousClock.Instant) async {
        let id = newTimerID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                add(Timer(id: id, deadline: Task.isCancelled ? .now : deadline, continuation: continuation))
            }
        } onCancel: {
            expire(id)
        }
    }

    private func newTimerID() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        nextID += 1
        return nextID
    }

    private func add(_ timer: Timer) {
        condition.lock()
        timers.append(timer)
        condition.signal()
        condition.unlock()
    }

    /// Makes the timer `id` due now (its task was cancelled), if it is waiting.
    private func expire(_ id: UInt64) {
        condition.lock()
        if let index = timers.firstIndex(where: { $0.id == id }) {
            timers[index] = Timer(id: id, deadline: .now, continuation: timers[index].continuation)
            condition.signal()
        }
        condition.unlock()
    }

    /// Runs the jobs as they come and resumes the sleepers whose time came, for the life
    /// of the process.
    private func drain() {
        while true {
            condition.lock()
            var due: [Timer] = []
            while true {
                let now = ContinuousClock.now
                due = timers.filter { $0.deadline <= now }
                if !due.isEmpty { timers.removeAll { $0.deadline <= now } }
                if !jobs.isEmpty || !due.isEmpty { break }
                if let next = timers.map(\.deadline).min() {
                    _ = condition.wait(until: Date().addingTimeInterval(Self.seconds(next - now)))
                } else {
                    condition.wait()
                }
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for timer in due { timer.continuation.resume() }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
