import Foundation

/// A task executor on a thread of its own, for lease renewals: a renewal that runs on
/// Swift's cooperative pool waits while synchronous work (parsing, planning 100,000
/// resources) keeps all of the pool's threads busy; on this thread it runs when its timer
/// fires. Only the short renewal code runs here (actors it calls run here too while they
/// are free); the store's I/O runs on the store's own threads.
final class RenewalExecutor: TaskExecutor, @unchecked Sendable {
    /// The one renewal thread of the process.
    static let shared = RenewalExecutor()

    // `jobs` is read and written only with `condition` locked: hence @unchecked Sendable.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

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

    /// Runs the jobs as they come, for the life of the process.
    private func drain() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
