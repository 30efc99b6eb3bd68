import Foundation
import Synchronization

/// The one thread that starts every provider program, and lives as long as the process.
///
/// A program is started under `setpriv --pdeathsig KILL`, so the kernel kills it when its
/// parent dies, even by SIGKILL. Linux counts the *thread* that forked as the parent, and
/// the Swift runtime's pool threads may come and go; this thread never ends, so the
/// signal fires only when the process does.
final class SpawnThread: Sendable {
    /// The process's spawning thread.
    static let shared = SpawnThread()

    private let pending = Mutex<[@Sendable () -> Void]>([])
    private let ready = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [self] in serve() }
        thread.name = "continuum-spawn"
        thread.start()
    }

    private func serve() -> Never {
        while true {
            ready.wait()
            let work = pending.withLock { work in
                defer { work.removeAll() }
                return work
            }
            for item in work { item() }
        }
    }

    /// Runs `body` on the spawning thread and returns what it returns.
    func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            pending.withLock { $0.append { continuation.resume(returning: body()) } }
            ready.signal()
        }
    }
}
