/// Wakes the reconcile loop early: a webhook, `continuum reconcile`, or shutdown. Wake-ups
/// that come while nobody waits are coalesced into one, so a burst of pushes costs one fetch.
actor Wakeup {
    private var pending = false
    private var waiter: CheckedContinuation<Bool, Never>?
    private var generation = 0

    /// Wakes the waiter, or the next one to wait.
    func fire() {
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: true)
        } else {
            pending = true
        }
    }

    /// Waits until woken (true) or until `timeout` passes or the task is cancelled (false).
    func wait(for timeout: Duration) async -> Bool {
        if pending {
            pending = false
            return true
        }
        generation += 1
        let current = generation
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.expire(current)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in waiter = continuation }
        } onCancel: {
            Task { await self.expire(current) }
        }
    }

    private func expire(_ waited: Int) {
        guard waited == generation, let waiter else { return }
        self.waiter = nil
        waiter.resume(returning: false)
    }
}
