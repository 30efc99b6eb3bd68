import Synchronization

/// Bounds the XML-RPC requests sent through one operator connection: at most
/// `concurrency` at once, and at most `requestsPerSecond` started a second, whichever
/// providers (and operations) send them. Shared by every provider on the connection
/// (`RequestGate.shared(for:)`), as the front-end's limits are per front-end, not per
/// Continuum provider.
actor RequestGate {
    /// The most requests in flight at once; nil for no limit.
    let concurrency: Int?
    /// The least time between two request starts; nil for no limit.
    let spacing: Duration?
    private var inFlight = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var nextStart = ContinuousClock.now

    init(concurrency: Int?, requestsPerSecond: Double?) {
        self.concurrency = concurrency
        self.spacing = requestsPerSecond.map { .seconds(1 / max($0, 0.001)) }
    }

    /// Runs `body` once the gate lets a request through.
    func run<T: Sendable>(_ body: @Sendable () async throws(OpenNebulaCallError) -> T) async throws(OpenNebulaCallError) -> T {
        await enter()
        defer { leave() }
        return try await body()
    }

    private func enter() async {
        if let concurrency, inFlight >= concurrency {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            inFlight += 1
        }
        if let spacing {
            let start = max(nextStart, ContinuousClock.now)
            nextStart = start + spacing
            if start > ContinuousClock.now { try? await Task.sleep(until: start, clock: .continuous) }
        }
    }

    private func leave() {
        // The slot passes to the first waiter, or is freed.
        if waiting.isEmpty { inFlight -= 1 } else { waiting.removeFirst().resume() }
    }

    /// The gate of the connection `key` (its name and endpoint), made with these limits on
    /// first use; a change of limits makes a new gate.
    static func shared(for key: String, concurrency: Int?, requestsPerSecond: Double?) -> RequestGate {
        gates.withLock { gates in
            let full = "\(key)|\(concurrency.map(String.init) ?? "-")|\(requestsPerSecond.map { String($0) } ?? "-")"
            if let gate = gates[full] { return gate }
            let gate = RequestGate(concurrency: concurrency, requestsPerSecond: requestsPerSecond)
            gates[full] = gate
            return gate
        }
    }

    private static let gates = Mutex<[String: RequestGate]>([:])
}
