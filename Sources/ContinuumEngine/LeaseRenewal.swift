public import ContinuumState
import Synchronization

/// Keeps a lease renewed while work runs under it, controller-runtime's way: a renewal
/// every retry period; when another holder took the lease, or no renewal succeeded for the
/// renew deadline (the store does not answer, a renewal hangs), `onLost` is called once so
/// that the work stops starting operations and its holder steps down. Renewals and the
/// deadline's watch run on a thread of their own (`RenewalExecutor`), so that synchronous
/// work on the cooperative pool does not hold them up; a renewal that hangs in the store
/// does not hold the watch up either.
public final class LeaseRenewal: Sendable {
    /// What one renewal found.
    public enum Attempt: Sendable {
        /// Renewed.
        case renewed
        /// Another holder took it: the work stops at once.
        case lost(StateError)
        /// The store did not answer; tried again at the next retry period until the deadline.
        case failed(StateError)
    }

    private struct State {
        var renewedAt: ContinuousClock.Instant
        var lastFailure: StateError?
        var loss: StateError?
    }

    private let state: Mutex<State>
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let onLost: @Sendable (StateError) -> Void

    /// Starts renewing with `renew` under `policy`; the lease was last renewed at `renewedAt`.
    /// `lease` and `holder` name it in the deadline's error.
    public static func start(
        policy: LeasePolicy, renewedAt: ContinuousClock.Instant, lease: String, holder: String,
        renew: @escaping @Sendable () async -> Attempt, onLost: @escaping @Sendable (StateError) -> Void
    ) -> LeaseRenewal {
        let renewal = LeaseRenewal(renewedAt: renewedAt, onLost: onLost)
        let renewing = Task(executorPreference: RenewalExecutor.shared) { [weak renewal] in
            while !Task.isCancelled {
                await RenewalExecutor.shared.sleep(until: .now + policy.retryPeriod)
                guard !Task.isCancelled, let current = renewal, current.loss == nil else { return }
                let attempt = await renew()
                switch attempt {
                case .renewed: current.state.withLock { $0.renewedAt = .now }
                case .lost(let error): current.lose(error); return
                case .failed(let error): current.state.withLock { $0.lastFailure = error }
                }
            }
        }
        let watching = Task(executorPreference: RenewalExecutor.shared) { [weak renewal] in
            while !Task.isCancelled {
                guard let due = renewal?.state.withLock({ $0.renewedAt + policy.renewDeadline }) else { return }
                if ContinuousClock.now >= due {
                    guard let current = renewal else { return }
                    current.lose(.renewDeadlineExceeded(holder: holder, lease: lease, deadline: policy.renewDeadline, last: current.state.withLock { $0.lastFailure }))
                    return
                }
                await RenewalExecutor.shared.sleep(until: due)
            }
        }
        renewal.tasks.withLock { $0 = [renewing, watching] }
        return renewal
    }

    private init(renewedAt: ContinuousClock.Instant, onLost: @escaping @Sendable (StateError) -> Void) {
        state = Mutex(State(renewedAt: renewedAt))
        self.onLost = onLost
    }

    /// Why the lease was given up, if it was: taken over (`.fenced`, `.locked`) or not
    /// renewed in time (`.renewDeadlineExceeded`).
    public var loss: StateError? { state.withLock { $0.loss } }

    /// When the lease was last renewed.
    public var renewedAt: ContinuousClock.Instant { state.withLock { $0.renewedAt } }

    /// Stops renewing (the work under the lease ended).
    public func cancel() {
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }

    private func lose(_ error: StateError) {
        let first = state.withLock { state -> Bool in
            guard state.loss == nil else { return false }
            state.loss = error
            return true
        }
        guard first else { return }
        cancel()
        onLost(error)
    }
}
