public import ContinuumGraph
public import ContinuumSpec
public import ContinuumState
import Foundation

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
    /// Sets of at least this many resources are diffed in parallel (tests lower it).
    var parallelThreshold = 4_096

    /// Creates a planner.
    public init(options: PlanOptions = PlanOptions()) {
        self.options = options
    }

    /// The plan for `resources` (sorted by id, as loaded) with their `graph`, against `state`.
    /// - Throws: `DiagnosticsError` when the plan is refused: `preventDestroy` would be
    ///   violated, a Kubernetes version change is not one minor step up, or the graph has a cycle.
    public func plan(resources: [Resource], graph: ResourceGraph, state: StateSnapshot) throws(DiagnosticsError) -> Plan {
        try planWithMemo(resources: resources, graph: graph, state: state).plan
    }

    /// The plan, and the memo a later `replan` of an edited spec starts from.
    public func planWithMemo(resources: [Resource], graph: ResourceGraph, state: StateSnapshot) throws(DiagnosticsError) -> (plan: Plan, memo: PlanningMemo) {
        guard resources.map(\.id) == graph.ids else {
            throw DiagnosticsError([Diagnostic(about: "planner", "the graph was not built from these resources; build it with GraphBuilder from the same list")])
        }
        guard let order = graph.topologicalOrder() else {
            throw DiagnosticsError([Diagnostic(about: "planner", "the dependency graph has a cycle; run `continuum validate` to see it")])
        }
        var diagnostics: [Diagnostic] = []
        var changes = ChangeTable(count: resources.count)
        diff(order, resources: resources, graph: graph, state: state, into: &changes, &diagnostics)
        changes.settle()
        var removals: [ResourceChange] = []
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
            removals.append(removal)
        }
        if !diagnostics.isEmpty { throw DiagnosticsError(diagnostics) }
        let memo = PlanningMemo(
            resources: resources, graph: graph, order: order, changes: changes, removals: removals, orphans: orphans,
            stateSerial: state.serial, stateLineage: state.lineage, options: options)
        return (try assemble(memo, state: state), memo)
    }

    /// The plan of `resources`, an edit of the memo's, against the same state: the graph is
    /// reused when no edge can have changed, and only the edited resources and everything
    /// that depends on them are diffed again; the rest keep the memo's decisions. The plan
    /// equals a full plan's. Falls back to a full plan (with a new graph) when resources
    /// were added, removed or re-referenced, the state moved, or the options differ.
    ///
    /// - Parameter edited: the positions of the only resources that may differ from the
    ///   memo's, when the caller knows them (the same commit again: none; an incremental
    ///   load: those of the re-parsed files); nil compares every resource with the memo's.
    public func replan(resources: [Resource], state: StateSnapshot, memo: PlanningMemo, edited candidates: [Int]? = nil) throws(DiagnosticsError) -> (plan: Plan, memo: PlanningMemo, rediffed: Int) {
        func full() throws(DiagnosticsError) -> (plan: Plan, memo: PlanningMemo, rediffed: Int) {
            let (graph, problems) = GraphBuilder().build(resources)
            if !problems.isEmpty { throw DiagnosticsError(problems) }
            let (plan, memo) = try planWithMemo(resources: resources, graph: graph, state: state)
            return (plan, memo, resources.count)
        }
        guard memo.matches(state), memo.options == options, memo.resources.count == resources.count else { return try full() }
        var edited: [Int] = []
        for index in candidates ?? Array(resources.indices) where resources.indices.contains(index) && resources[index] != memo.resources[index] {
            let old = memo.resources[index], new = resources[index]
            guard old.id == new.id, old.references.map(\.target) == new.references.map(\.target), old.nodeSelectors == new.nodeSelectors,
                old.metadata.labels == new.metadata.labels || old.id.kind != .bareMetalNode
            else { return try full() }
            edited.append(index)
        }
        // Everything downstream of an edit may resolve its interpolations differently.
        var affected = [Bool](repeating: false, count: resources.count)
        var stack = edited
        while let node = stack.popLast() {
            guard !affected[node] else { continue }
            affected[node] = true
            for dependent in memo.graph.dependents(of: node) where !affected[Int(dependent)] { stack.append(Int(dependent)) }
        }
        var changes = memo.changes
        var diagnostics: [Diagnostic] = []
        let nodes = memo.order.filter { affected[$0] }
        diff(nodes, resources: resources, graph: memo.graph, state: state, into: &changes, &diagnostics)
        changes.settle()
        if !diagnostics.isEmpty { throw DiagnosticsError(diagnostics) }
        let next = PlanningMemo(
            resources: resources, graph: memo.graph, order: memo.order, changes: changes, removals: memo.removals, orphans: memo.orphans,
            stateSerial: state.serial, stateLineage: state.lineage, options: options)
        return (try assemble(next, state: state), next, nodes.count)
    }

    /// Diffs the resources at `nodes` (in dependency order) into `changes`: a resource's
    /// diff reads its dependencies' decisions (to resolve interpolations), so a large set is
    /// diffed level by level (a level's dependencies are all in earlier levels), each level
    /// in chunks across cores; diagnostics keep the order a sequential diff gives.
    private func diff(_ nodes: [Int], resources: [Resource], graph: ResourceGraph, state: StateSnapshot, into changes: inout ChangeTable, _ diagnostics: inout [Diagnostic]) {
        guard nodes.count >= parallelThreshold else {
            for node in nodes { changes[node] = diff(node, resources: resources, graph: graph, state: state, decided: changes, &diagnostics) }
            return
        }
        var position = [Int32](repeating: -1, count: resources.count)
        for (index, node) in nodes.enumerated() { position[node] = Int32(index) }
        // The level of a node: one more than its deepest dependency among `nodes`.
        var level = [Int32](repeating: 0, count: resources.count)
        var levels: [[Int]] = []
        for node in nodes {
            var mine: Int32 = 0
            for dependency in graph.dependencies(of: node) where position[Int(dependency)] >= 0 { mine = max(mine, level[Int(dependency)] + 1) }
            level[node] = mine
            if levels.count <= Int(mine) { levels.append([]) }
            levels[Int(mine)].append(node)
        }
        var found: [(position: Int32, diagnostics: [Diagnostic])] = []
        for members in levels {
            let results = Self.concurrently(members.count) { [changes] index in
                var problems: [Diagnostic] = []
                let change = diff(members[index], resources: resources, graph: graph, state: state, decided: changes, &problems)
                return (change, problems)
            }
            for (index, result) in results.enumerated() {
                changes[members[index]] = result.0
                if !result.1.isEmpty { found.append((position[members[index]], result.1)) }
            }
        }
        found.sort { $0.position < $1.position }
        for entry in found { diagnostics += entry.diagnostics }
    }

    /// `body` of every index below `count`, in chunks across cores, in index order.
    private static func concurrently<Value: Sendable>(_ count: Int, _ body: @Sendable (Int) -> Value) -> [Value] {
        let chunks = min(count, ProcessInfo.processInfo.activeProcessorCount * 4)
        guard chunks > 1 else { return (0..<count).map(body) }
        let parts = ChunkResults<Value>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
            parts.set(chunk, range.map(body))
        }
        return parts.joined()
    }

    /// One resource's change, resolving its interpolations from the `decided` changes of
    /// its dependencies.
    private func diff(_ node: Int, resources: [Resource], graph: ResourceGraph, state: StateSnapshot, decided changes: ChangeTable, _ diagnostics: inout [Diagnostic]) -> ResourceChange? {
        let resource = resources[node]
        guard resource.id.kind != .provider else { return changes[node] }
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
        return change
    }

    /// The plan from a memo's per-resource decisions: inherited create-before-destroy, the
    /// removals, the step DAG.
    private func assemble(_ memo: PlanningMemo, state: StateSnapshot) throws(DiagnosticsError) -> Plan {
        // Only the changes that are not no-ops are copied (nearly none, in a no-change plan).
        var planned = memo.changes.planned.compactMap { memo.changes[$0] }
        let createsFirst = inheritedCreateBeforeDestroy(memo)
        for index in planned.indices where createsFirst.contains(memo.changes.planned[index]) { planned[index].replaceOrder = .createBeforeDestroy }
        let unchanged = memo.changes.decided - planned.count
        planned = Self.sortedByID(planned, merging: memo.removals)
        let held = heldResources(memo, planned: planned, state: state)
        if !held.isEmpty {
            let blocked = Set(held.map(\.id))
            planned.removeAll { blocked.contains($0.id) }
        }
        var slots: [ResourceID: RolloutSlot] = [:]
        slots.reserveCapacity(planned.count)
        // By position: a loop over the changes themselves copies each one.
        for index in planned.indices {
            let id = planned[index].id
            let labels = memo.graph.indexByID[id].map { memo.resources[Int($0)].metadata.labels } ?? state[id]?.labels ?? [:]
            slots[id] = RolloutSlot(labels: labels)
        }
        let steps = try StepGraphBuilder(changes: planned, graph: memo.graph, state: state, slots: slots).steps()
        return Plan(
            stateSerial: state.serial, stateLineage: state.lineage, changes: Self.groupedUnderOwners(planned), steps: steps, orphans: memo.orphans,
            unchangedCount: unchanged, held: held, providerChanges: try providerChanges(memo.resources, state: state))
    }

    /// The providers whose spec differs from the one the state recorded at the last apply.
    /// A provider not recorded yet is new: its first apply records it, with nothing to show.
    /// - Throws: `DiagnosticsError` when a provider that still has resources would reach
    ///   another connection or type: its objects would be looked for, and not found, there.
    private func providerChanges(_ resources: [Resource], state: StateSnapshot) throws(DiagnosticsError) -> [ResourceChange] {
        guard !state.providers.isEmpty else { return [] }
        var diagnostics: [Diagnostic] = []
        var changes: [ResourceChange] = []
        var counts: [String: Int] = [:]
        // By position: a loop over the resources themselves copied each of 100,000 of them.
        for index in resources.indices where resources[index].id.kind == .provider {
            let resource = resources[index]
            guard let recorded = state.providers[resource.id.name] else { continue }
            let desired = resource.spec.fieldValue
            guard recorded != desired else { continue }
            if recorded["type"] != desired["type"] || recorded["connection"] != desired["connection"] {
                if counts.isEmpty { for record in state.resources { counts[record.provider, default: 0] += 1 } }
                if let count = counts[resource.id.name], count > 0 {
                    diagnostics.append(Diagnostic(at: resource.location(of: desired["connection"] != recorded["connection"] ? "spec.connection" : "spec.type"),
                        "\(resource.id) still has \(count) resource\(count == 1 ? "" : "s") on its current connection; changing its connection or type would lose track of them. Move them to a new Provider (a provider move is a replace), or remove them first"))
                    continue
                }
            }
            changes.append(ResourceChange(id: resource.id, action: .update, provider: resource.id.name,
                fieldChanges: ResourceDiffer.fieldChanges(from: recorded, to: desired), spec: desired))
        }
        if !diagnostics.isEmpty { throw DiagnosticsError(diagnostics) }
        return changes
    }

    /// The held resources (`PlanOptions.held`), the planned changes that depend on them,
    /// directly or not, and the deletes and replaces of what they depend on (which must not
    /// go from under them): those wait until the held state is known.
    private func heldResources(_ memo: PlanningMemo, planned: [ResourceChange], state: StateSnapshot) -> [HeldResource] {
        guard !options.held.isEmpty else { return [] }
        var reasons = options.held
        // Which held resource each one is held for, to say why.
        var roots = Dictionary(uniqueKeysWithValues: options.held.keys.map { ($0, $0) })
        let destructive = Set(planned.filter { $0.action == .delete || $0.action == .replace }.map(\.id))
        var queue = Array(options.held.keys)
        while let id = queue.popLast() {
            let root = roots[id] ?? id
            let why = options.held[root] ?? ""
            if let node = memo.graph.indexByID[id] {
                for dependent in memo.graph.dependents(of: Int(node)).map({ memo.graph.ids[Int($0)] }) where reasons[dependent] == nil {
                    reasons[dependent] = "it depends on \(root), which is held: \(why)"
                    roots[dependent] = root
                    queue.append(dependent)
                }
            }
            for dependency in state[id]?.dependencies ?? [] where reasons[dependency] == nil && destructive.contains(dependency) {
                reasons[dependency] = "\(id) depends on it and is held, so it is not deleted or replaced from under it (\(root): \(why))"
                roots[dependency] = root
                queue.append(dependency)
            }
        }
        let changing = Set(planned.map(\.id))
        return reasons.filter { options.held[$0.key] != nil || changing.contains($0.key) }
            .map { HeldResource(id: $0.key, reason: $0.value) }.sorted { $0.id < $1.id }
    }

    /// The changes in id order, except that generated resources follow the change of
    /// the resource they were generated from, so a plan shows a cluster's machines under it.
    static func groupedUnderOwners(_ changes: [ResourceChange]) -> [ResourceChange] {
        guard changes.indices.contains(where: { changes[$0].owner != nil }) else { return changes }
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

    /// `changes` and `removals` in id order. The changes come by position, which is id order
    /// unless clusters expanded (their machines follow them): then they are merged with the
    /// (few) removals without sorting 100,000 large values, else sorted by a permutation of
    /// their ids, so that each change is moved once.
    static func sortedByID(_ changes: [ResourceChange], merging removals: [ResourceChange]) -> [ResourceChange] {
        let removals = removals.sorted { $0.id < $1.id }
        let inOrder = changes.indices.dropFirst().allSatisfy { changes[$0 - 1].id < changes[$0].id }
        guard inOrder else {
            let all = changes + removals
            return all.indices.sorted { all[$0].id < all[$1].id }.map { all[$0] }
        }
        guard !removals.isEmpty else { return changes }
        var merged: [ResourceChange] = []
        merged.reserveCapacity(changes.count + removals.count)
        var next = 0
        for index in changes.indices {
            while next < removals.count, removals[next].id < changes[index].id {
                merged.append(removals[next])
                next += 1
            }
            merged.append(changes[index])
        }
        merged += removals[next...]
        return merged
    }

    /// The replaced resources (positions) that create their replacement before destroying
    /// the old one because something depending on them does: a replace inherits
    /// create-before-destroy from its dependents, theirs from their own (Terraform's rule).
    /// Only the replaces are looked at, not every resource.
    private func inheritedCreateBeforeDestroy(_ memo: PlanningMemo) -> Set<Int> {
        // Whether each node looked at creates first; walked without recursion, so that a
        // long chain of replaces cannot exhaust the stack.
        var known: [Int: Bool] = [:]
        func createsFirst(_ start: Int) -> Bool {
            var stack = [(node: start, expanded: false)]
            while let (node, expanded) = stack.popLast() {
                guard known[node] == nil else { continue }
                guard let change = memo.changes[node], change.action == .replace, change.replaceOrder != .createBeforeDestroy else {
                    known[node] = memo.changes[node]?.replaceOrder == .createBeforeDestroy
                    continue
                }
                let dependents = memo.graph.dependents(of: node)
                if expanded {
                    known[node] = dependents.contains { known[Int($0)] == true }
                } else {
                    stack.append((node, true))
                    for dependent in dependents where known[Int(dependent)] == nil { stack.append((Int(dependent), false)) }
                }
            }
            return known[start] ?? false
        }
        return Set(memo.changes.planned.filter { memo.changes[$0]?.action == .replace && memo.changes[$0]?.replaceOrder != .createBeforeDestroy && createsFirst($0) })
    }
}

