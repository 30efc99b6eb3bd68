import ContinuumEngine
import ContinuumSpec
import ContinuumState

/// What the API shows of resources.
extension Controller {
    /// Every desired or recorded resource, sorted by id.
    public func resources() async throws(StateError) -> [ResourceReport] {
        let snapshot = try await store.snapshot()
        let recorded = Dictionary(uniqueKeysWithValues: snapshot.resources.map { ($0.id, $0) })
        let ids = Set(recorded.keys).union(desired?.resourceIDs ?? [])
        let latest = try await store.latestEvents()
        return ids.sorted().map { report($0, recorded: recorded[$0], lastAction: latest[$0]) }
    }

    /// One resource with its spec, outputs and events; nil when it is neither desired nor recorded.
    public func resource(_ id: ResourceID) async throws(StateError) -> ResourceReport? {
        let snapshot = try await store.snapshot()
        let record = snapshot.resources.first { $0.id == id }
        let desiredResource = desired?.resource(id)
        guard record != nil || desiredResource != nil else { return nil }
        let events = try await store.events(of: id, limit: 50)
        var report = report(id, recorded: record, lastAction: events.first)
        report.spec = PlainValue(record?.spec ?? desiredResource?.spec.fieldValue ?? .map([]))
        report.outputs = (record?.outputs ?? [:]).mapValues(PlainValue.init)
        report.events = events
        return report
    }

    /// Recounts `continuum_resources{kind,status}` and the status's counts: one pass over
    /// the records, one over the desired resources not recorded yet, no records copied.
    func updateResourceCounts(_ snapshot: StateSnapshot) {
        let inputs = ResourceCountInputs(
            serial: snapshot.serial, lineage: snapshot.lineage, commit: desired?.commit, drifted: drifted, failed: Set(failures.keys))
        guard inputs != countedFrom else { return }
        countedFrom = inputs
        var counts: [ResourceCount: Int] = [:]
        var byStatus: [String: Int] = [:]
        func count(_ id: ResourceID, isRecorded: Bool) {
            let condition = self.condition(of: id, isRecorded: isRecorded)
            counts[ResourceCount(kind: id.kind.rawValue, status: condition, count: 0), default: 0] += 1
            byStatus[condition, default: 0] += 1
        }
        for index in snapshot.resources.indices { count(snapshot.resources[index].id, isRecorded: true) }
        for id in desired?.resourceIDs ?? [] where !snapshot.contains(id) { count(id, isRecorded: false) }
        metrics.resources(counts.map { ResourceCount(kind: $0.key.kind, status: $0.key.status, count: $0.value) })
        status.resources = byStatus
    }

    private func report(_ id: ResourceID, recorded: RecordedResource?, lastAction: ResourceEvent?) -> ResourceReport {
        ResourceReport(
            id: id.description, kind: id.kind.rawValue, name: id.name,
            provider: recorded?.provider ?? desired?.resource(id)?.spec.providerName,
            status: condition(of: id, isRecorded: recorded != nil), providerID: recorded?.providerID, lastAction: lastAction,
            drift: drifted.contains(id))
    }

    /// `Failed`, `Drifted`, `Orphaned`, `Pending` or `Ready`.
    private func condition(of id: ResourceID, isRecorded: Bool) -> String {
        if failures[id] != nil { return "Failed" }
        if drifted.contains(id) { return "Drifted" }
        if isRecorded, desired?.contains(id) != true { return "Orphaned" }
        return isRecorded ? "Ready" : "Pending"
    }
}
