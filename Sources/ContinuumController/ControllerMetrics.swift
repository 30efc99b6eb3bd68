import ContinuumSpec
public import CoreMetrics
import ContinuumApply
import Foundation
import Metrics
import Synchronization

/// The controller's metrics, made through swift-metrics with the factory it is given (the
/// Prometheus one in production), so every controller can have a registry of its own.
public final class ControllerMetrics: Sendable {
    private let factory: any MetricsFactory
    private let resourceSeries = Mutex<Set<[String]>>([])

    /// Creates the metrics; they are registered with `factory` as they are first used.
    public init(factory: any MetricsFactory) {
        self.factory = factory
        // Series that exist from the start, so dashboards and alerts see zeros, not gaps.
        for result in ["success", "failure", "rejected"] { _ = Counter(label: "continuum_reconcile_total", dimensions: [("result", result)], factory: factory) }
        for result in ["success", "failure"] { _ = Counter(label: "continuum_git_fetch_total", dimensions: [("result", result)], factory: factory) }
        _ = Counter(label: "continuum_drift_detected_total", factory: factory)
        _ = Metrics.Timer(label: "continuum_reconcile_duration_seconds", factory: factory)
        _ = Gauge(label: "continuum_last_applied_timestamp_seconds", factory: factory)
    }

    /// Counts a finished reconcile (`success`, `failure` or `rejected`) and its duration.
    func reconciled(result: String, duration: Duration) {
        Counter(label: "continuum_reconcile_total", dimensions: [("result", result)], factory: factory).increment()
        Metrics.Timer(label: "continuum_reconcile_duration_seconds", factory: factory).record(duration: duration)
    }

    /// Counts a fetch of the Git source.
    func fetched(succeeded: Bool) {
        Counter(label: "continuum_git_fetch_total", dimensions: [("result", succeeded ? "success" : "failure")], factory: factory).increment()
    }

    /// Counts resources found changed or deleted outside Continuum.
    func driftDetected(_ count: Int) {
        guard count > 0 else { return }
        Counter(label: "continuum_drift_detected_total", factory: factory).increment(by: count)
    }

    /// Records when a commit was last applied completely.
    func applied(at time: Date) {
        Gauge(label: "continuum_last_applied_timestamp_seconds", factory: factory).record(time.timeIntervalSince1970)
    }

    /// Counts every provider operation of an apply and records its duration.
    func operations(_ report: ApplyReport) {
        for action in report.actions {
            guard let start = action.start, let end = action.end else { continue }
            let result = action.outcome == .succeeded ? "success" : "failure"
            Counter(label: "continuum_provider_operations_total",
                dimensions: [("provider", action.provider), ("operation", action.action.rawValue), ("result", result)], factory: factory).increment()
            Metrics.Timer(label: "continuum_provider_operation_duration_seconds",
                dimensions: [("provider", action.provider), ("operation", action.action.rawValue)], factory: factory)
                .record(duration: Duration.milliseconds(Int64(((end - start) * 1000).rounded())))
        }
    }

    /// Sets `continuum_shard_owned{shard}`: 1 while this replica holds the shard, else 0.
    func shardOwned(_ shard: String, _ owned: Bool) {
        Gauge(label: "continuum_shard_owned", dimensions: [("shard", shard)], factory: factory).record(owned ? 1 : 0)
    }

    /// Counts a change of a shard lease held here: `acquired`, `released` or `lost`.
    func leaseTransition(_ transition: String) {
        Counter(label: "continuum_lease_transitions_total", dimensions: [("transition", transition)], factory: factory).increment()
    }

    /// Sets `continuum_resources{kind,status}`; series that no longer occur drop to zero.
    func resources(_ counts: [ResourceCount]) {
        let current = Set(counts.map { [$0.kind, $0.status] })
        let gone = resourceSeries.withLock { series in
            defer { series = current }
            return series.subtracting(current)
        }
        for series in gone { gauge(kind: series[0], status: series[1]).record(0) }
        for count in counts { gauge(kind: count.kind, status: count.status).record(count.count) }
    }

    private func gauge(kind: String, status: String) -> Gauge {
        Gauge(label: "continuum_resources", dimensions: [("kind", kind), ("status", status)], factory: factory)
    }
}

/// How many resources of one kind are in one status.
struct ResourceCount: Sendable, Hashable {
    var kind: String
    var status: String
    var count: Int
}
