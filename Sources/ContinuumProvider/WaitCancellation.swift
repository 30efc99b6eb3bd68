import Synchronization

/// Cuts an apply's waits short — waits for readiness (a cluster's API, a node joining) and
/// retries' backoff — when a newer commit pre-empts it, while provider calls in flight
/// finish and are recorded. The controller sets it as a task-local value around a
/// reconcile; providers and the retry policy wait through `sleep(for:)`, which returns at
/// once when it is cancelled. Outside a reconcile (`continuum apply`) there is none, and
/// `sleep(for:)` is a plain sleep.
public final class WaitCancellation: Sendable {
    /// The cancellation of the reconcile this task belongs to, if any.
    @TaskLocal public static var current: WaitCancellation?

    private struct State {
        var reason: String?
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelledWaiters: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// Creates a cancellation that is not cancelled.
    public init() {}

    /// Cuts every wait short, now and later, saying why (such as "commit 1a2b3c4d5e6f is newer").
    public func cancel(reason: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.reason == nil else { return [] }
            state.reason = reason
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Why the waits were cut short; nil while they are not.
    public var reason: String? { state.withLock { $0.reason } }

    /// Whether the waits were cut short.
    public var isCancelled: Bool { reason != nil }

    /// How many waits are registered now (for the tests, which cancel once one waits).
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Waits `duration` unless the task's current cancellation (if any) cuts it short, or
    /// the task is cancelled.
    /// - Returns: true when the whole duration passed; false when it was cut short.
    public static func sleep(for duration: Duration) async -> Bool {
        guard let current else {
            do { try await Task.sleep(for: duration) } catch { return false }
            return true
        }
        return await current.sleep(for: duration)
    }

    /// Waits `duration` unless cancelled first (or the task is cancelled).
    /// - Returns: true when the whole duration passed; false when it was cut short.
    public func sleep(for duration: Duration) async -> Bool {
        guard !isCancelled else { return false }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do { try await Task.sleep(for: duration) } catch { return false }
                return true
            }
            group.addTask {
                await self.waitUntilCancelled()
                return false
            }
            let passed = await group.next() ?? false
            group.cancelAll()
            return passed
        }
    }

    /// Returns when cancelled, or when the calling task is cancelled.
    private func waitUntilCancelled() async {
        let waiter = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.reason != nil || state.cancelledWaiters.remove(waiter) != nil { return true }
                    state.waiters[waiter] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let continuation = state.waiters.removeValue(forKey: waiter) { return continuation }
                // Not registered yet (once cancelled, every waiter is resumed and none is kept).
                if state.reason == nil { state.cancelledWaiters.insert(waiter) }
                return nil
            }
            continuation?.resume()
        }
    }
}
