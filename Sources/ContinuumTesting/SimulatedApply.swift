import ContinuumGraph
import ContinuumSpec
import ContinuumState

/// Records the state an apply of a spec would leave behind, without any provider: specs
/// with interpolations resolved, and plausible outputs (`ipAddress-of-web-1`). For planner
/// tests and benchmarks that need a "matching" state.
public enum SimulatedApply {
    /// The state after applying `resources` (with their `graph`) from scratch.
    public static func record(_ resources: [Resource], graph: ResourceGraph, serial: Int64 = 7, lineage: String = "test-lineage") -> StateSnapshot {
        var outputs: [ResourceID: [String: FieldValue]] = [:]
        var records: [RecordedResource] = []
        records.reserveCapacity(resources.count)
        for node in graph.topologicalOrder() ?? Array(resources.indices) {
            let resource = resources[node]
            guard resource.id.kind != .provider else { continue }
            let spec = resource.spec.fieldValue.resolvingInterpolations { id, field in outputs[id]?[field]?.outputText }
            let produced = Dictionary(uniqueKeysWithValues: resource.id.kind.outputs.map { ($0, FieldValue.string("\($0)-of-\(resource.id.name)")) })
            outputs[resource.id] = produced
            records.append(RecordedResource(
                id: resource.id, provider: resource.spec.providerName ?? "", providerID: "id-\(resource.id.name)", spec: spec,
                outputs: produced, dependencies: graph.dependencies(of: node).map { graph.ids[Int($0)] }, lifecycle: resource.lifecycle, labels: resource.metadata.labels))
        }
        return StateSnapshot(serial: serial, lineage: lineage, resources: records)
    }
}
