import ContinuumState
import Foundation

/// Takes the state lock; a lock left by an applier on this host whose process is gone
/// (killed, crashed) is taken over at once, with a note, instead of waiting for it to lapse.
enum StaleLock {
    /// How long a lock lasts unless renewed.
    static let duration: Duration = .seconds(3600)
    /// How often a running apply renews it.
    static let renewalInterval: Duration = .seconds(300)

    static func takeLock(store: any StateStore, holder: String, host: String, processID: Int32) async throws(StateError) {
        do {
            try await store.lock(holder: holder, for: duration, host: host, processID: processID)
        } catch where error.code == .locked {
            guard let held = try await store.currentLock(), held.host == host, let pid = held.processID, !isAlive(pid) else { throw error }
            Terminal.error("note: taking over the lock of \(held.holder), which is no longer running; its unfinished work is recovered from the journal\n")
            try await store.unlock(holder: held.holder)
            try await store.lock(holder: holder, for: duration, host: host, processID: processID)
        }
    }

    /// Whether a process with this id runs on this host.
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
