public import ContinuumGraph
public import ContinuumSpec
public import ContinuumState

/// Compares the desired resources with the recorded state and decides, per resource,
/// create, update (with the changed fields), replace (with the reasons), delete or
/// no-op, following spec-v1's immutability, lifecycle and provider-move rules; then
/// builds the DAG of provider operations. Pure: no I/O, deterministic.
///
/// `Provider` resources are configuration, not infrastructure: they are in the graph but
/// never in a plan's actions.
public struct Planner: Sendable {
    /// The options.
    public var options: PlanOptions

    /// Creates a planner.
    public init(options: PlanOptions = PlanOptions()) {
        self.options = options
    }

    /// The plan for `resources` (sorted by id, as loaded) with their `graph`, against `state`.
    /// - Throws: `DiagnosticsError` when the plan is refused: `preventDestroy` would be
    ///   violated, a Kubernetes version change is not one minor step up, or the graph has a cycle.
    public func plan(resources: [Resource], graph: ResourceGraph, state: StateSnapshot) throws(DiagnosticsError) -> Plan {
        guard resources.map(\.id) == graph.ids else {
            throw DiagnosticsError([Diagnostic(about: "planner", "the graph was not built from these resources; build it with GraphBuilder from the same list")])
        }
        guard let order = graph.topologicalOrder() else {
            throw DiagnosticsError([Diagnostic(about: "planner", "the dependency graph has a cycle; run `continuum validate` to see it")])
        }
        var diagnostics: [Diagnostic] = []
        var changes = [ResourceChange?](repeating: nil, count: resources.count)
        var unchanged = 0
        for node in order {
            let resource = resources[node]
            guard resource.id.kind != .provider else { continue }
            let desired = resource.spec.fieldValue.resolvingInterpolations { id, field in
                guard let dependency = graph.indexByID[id], id.kind == .provider || changes[dependency].map({ $0.action == .noop || $0.action == .update }) ?? false,
                    let value = state[id]?.outputs[field]
                else { return nil }
                return value.outputText
            }
            let dependencies = graph.dependencies(of: node).map { graph.ids[Int($0)] }
            var differ = ResourceDiffer(resource: resource, desired: desired, recorded: state[resource.id], dependencies: dependencies)
            differ.providerImmutableFields = options.providerImmutableFields[resource.spec.providerName ?? ""]?[resource.id.kind] ?? []
            var change = differ.change(&diagnostics)
            change.owner = resource.owner
            if change.action == .noop { unchanged += 1 }
            changes[node] = change
        }
        inheritCreateBeforeDestroy(&changes, graph: graph, order: order)
        var planned = changes.compactMap { $0 }.filter { $0.action != .noop }
        var orphans: [ResourceID] = []
        for recorded in state.resources where graph.indexByID[recorded.id] == nil {
            guard options.prune else {
                orphans.append(recorded.id)
                continue
            }
            if recorded.lifecycle.preventDestroy {
                diagnostics.append(Diagnostic(about: recorded.id.description,
                    "lifecycle.preventDestroy is set and the resource is gone from the spec, so this plan would delete it; restore its spec, or first apply it with preventDestroy: false"))
            }
            var removal = ResourceChange(id: recorded.id, action: .delete, provider: recorded.provider, dependencies: recorded.dependencies)
            removal.owner = recorded.labels[RolloutLabels.group].flatMap { try? ResourceID.parse($0).get() }
            planned.append(removal)
        }
        if !diagnostics.isEmpty { throw DiagnosticsError(diagnostics) }
        planned.sort { $0.id < $1.id }
        var slots: [ResourceID: RolloutSlot] = [:]
        for change in planned {
            let labels = graph.indexByID[change.id].map { resources[Int($0)].metadata.labels } ?? state[change.id]?.labels ?? [:]
            slots[change.id] = RolloutSlot(labels: labels)
        }
        let steps = try StepGraphBuilder(changes: planned, graph: graph, state: state, slots: slots).steps()
        planned = Self.groupedUnderOwners(planned)
        return Plan(stateSerial: state.serial, stateLineage: state.lineage, changes: planned, steps: steps, orphans: orphans, unchangedCount: unchanged)
    }

    /// A resource that is replaced create-before-destroy needs its replaced dependencies
    /// to be too (as in Terraform), or the old dependency would have to go while the old
    /// dependent still uses it. Walks dependents before their dependencies.
    /// The changes in id order, except that generated resources follow the change of
    /// the resource they were generated from, so a plan shows a cluster's machines under it.
    static func groupedUnderOwners(_ changes: [ResourceChange]) -> [ResourceChange] {
        let present = Set(changes.map(\.id))
        var owned: [ResourceID: [ResourceChange]] = [:]
        for change in changes { if let owner = change.owner, present.contains(owner) { owned[owner, default: []].append(change) } }
        var result: [ResourceChange] = []
        result.reserveCapacity(changes.count)
        for change in changes where change.owner.map(present.contains) != true {
            result.append(change)
            result += owned[change.id] ?? []
        }
        return result
    }

    private func inheritCreateBeforeDestroy(_ changes: inout [ResourceChange?], graph: ResourceGraph, order: [Int]) {
        for node in order.reversed() where changes[node]?.replaceOrder == .createBeforeDestroy {
            for dependency in graph.dependencies(of: node).map(Int.init) where changes[dependency]?.action == .replace {
                changes[dependency]?.replaceOrder = .createBeforeDestroy
            }
        }
    }
}

