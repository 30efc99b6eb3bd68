import ArgumentParser
import ContinuumEngine
import ContinuumState
import Foundation
import Synchronization

/// `continuum-bench renewal`: how late lease renewals come while synchronous work fills
/// Swift's cooperative pool (as parsing a large commit does: a batch task per core × 8),
/// for `LeaseRenewal` (its own thread) next to a renewal loop on the cooperative pool (the
/// baseline: how renewals ran before), in the same run.
struct RenewalBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renewal",
        abstract: "Lease renewals while CPU-bound work fills the cooperative pool: LeaseRenewal's thread next to a cooperative-pool loop.",
        discussion: "The work spins on the wall clock, so a debug build measures the same scheduling as a release one."
    )

    @Option(help: "How long the pool is kept full, in seconds.")
    var seconds: Int = 8

    @Option(help: "How long each batch task spins, in milliseconds (a spec-load batch of 100,000 resources on 2 cores: about 500).")
    var batchMilliseconds: Int = 500

    @Option(help: "The renewals' retry period, in milliseconds.")
    var retryMilliseconds: Int = 100

    /// The renewals one loop made: when each came.
    final class Ticks: Sendable {
        private let instants = Mutex<[ContinuousClock.Instant]>([])
        func tick() { instants.withLock { $0.append(.now) } }
        /// How many, and the longest gap between two (or from `start` to the first).
        func summary(from start: ContinuousClock.Instant) -> (count: Int, longestGap: Duration) {
            let all = [start] + instants.withLock { $0 }
            return (all.count - 1, zip(all, all.dropFirst()).map { $1 - $0 }.max() ?? .zero)
        }
    }

    func run() async throws {
        let retry = Duration.milliseconds(retryMilliseconds)
        let policy = LeasePolicy(duration: .seconds(3600), renewDeadline: .seconds(1800), retryPeriod: retry)
        let dedicated = Ticks(), pooled = Ticks()
        // Each renewal renews a real lease in a SQLite state, as `continuum apply`'s does.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-bench-renewal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = SQLiteStateStore(path: directory.appendingPathComponent("state.db").path)
        let lease = StateLease(store: store, holder: "bench", policy: policy)
        try await lease.acquire()
        let start = ContinuousClock.now
        let end = start + .seconds(seconds)
        let renewal = LeaseRenewal.start(policy: policy, renewedAt: start, lease: "bench", holder: "bench", renew: {
            try? await lease.renew()
            dedicated.tick()
            return .renewed
        }, onLost: { _ in })
        let baseline = Task {
            while ContinuousClock.now < end {
                try? await Task.sleep(for: retry)
                try? await lease.renew()
                pooled.tick()
            }
        }
        let batch = Duration.milliseconds(batchMilliseconds)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<(ProcessInfo.processInfo.activeProcessorCount * 8) {
                group.addTask {
                    while ContinuousClock.now < end {
                        let until = ContinuousClock.now + batch
                        while ContinuousClock.now < until {}  // synchronous work: never yields
                        await Task.yield()
                    }
                }
            }
        }
        renewal.cancel()
        _ = await baseline.value
        let ours = dedicated.summary(from: start), theirs = pooled.summary(from: start)
        func ms(_ duration: Duration) -> String { String(format: "%.0f", duration.timeInterval * 1000) }
        let expected = seconds * 1000 / retryMilliseconds
        print(table([("renewals on", "LeaseRenewal thread"), ("renewals", "\(ours.count)"), ("longest gap ms", ms(ours.longestGap))], header: true))
        print(table([("renewals on", "cooperative pool (baseline)"), ("renewals", "\(theirs.count)"), ("longest gap ms", ms(theirs.longestGap))], header: false))
        print("\n\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.activeProcessorCount * 8) batch tasks of \(batchMilliseconds) ms each kept running for \(seconds) s;")
        print("a renewal every \(retryMilliseconds) ms would make about \(expected); a gap over the renew deadline (10 s by default) makes a holder step down.")
    }
}
