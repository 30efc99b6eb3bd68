import Prometheus
import Synchronization

/// Counts one listener's open connections and refuses those beyond its cap, so a flood of
/// connections (half-open ones, say) cannot take every file descriptor the process has.
final class ConnectionGate: Sendable {
    /// The most connections open at once.
    let limit: Int
    private let open = Atomic<Int>(0)
    private let openGauge: Gauge
    private let refusedCounter: Counter

    /// Creates a gate whose counts show in `registry` under the listener's name.
    init(limit: Int, listener: String, registry: PrometheusCollectorRegistry) {
        self.limit = limit
        openGauge = registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: "continuum_http_connections", unitName: "", helpText: "HTTP connections open, by listener."),
            labels: [("listener", listener)])
        refusedCounter = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "continuum_http_connections_refused_total", unitName: "",
                helpText: "HTTP connections closed at once because the listener's connection cap was reached."),
            labels: [("listener", listener)])
    }

    /// Counts a new connection in; false (and it is not counted) when the cap is reached.
    func admit() -> Bool {
        let count = open.add(1, ordering: .relaxed).newValue
        guard count <= limit else {
            open.subtract(1, ordering: .relaxed)
            refusedCounter.increment()
            return false
        }
        openGauge.increment()
        return true
    }

    /// Counts an admitted connection out once it is closed.
    func release() {
        open.subtract(1, ordering: .relaxed)
        openGauge.decrement()
    }
}
