import ContinuumApply
import ContinuumProvider

/// The reconcile the controller runs now: its commit, and the two handles that pre-empt it
/// (a newer commit, a pin, a shutdown): its waits, and its stop signal.
struct RunningReconcile: Sendable {
    /// The commit being reconciled.
    let commit: String
    /// Cuts its waits for readiness and its retries' backoff short.
    let waits: WaitCancellation
    /// Keeps further operations from starting; those in flight finish and are recorded.
    let stop: StopSignal
}
