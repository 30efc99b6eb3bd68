import ContinuumGraph
import ContinuumSpec
import ContinuumState
import HeapModule

/// Turns resource changes into the DAG of provider operations:
/// - a create or update waits for the creates and updates of what it depends on;
/// - a delete waits for the deletes of what depended on it (as recorded);
/// - a destroy-before-create replace creates after its delete; a create-before-destroy
///   replace deletes after its create and after its dependents were created or updated;
/// - the creates and deletes of one rollout group run as a rolling replacement (see
///   `chainRollouts`).
struct StepGraphBuilder {
    let changes: [ResourceChange]
    let graph: ResourceGraph
    let state: StateSnapshot
    var slots: [ResourceID: RolloutSlot] = [:]

    private struct Key: Hashable {
        var resource: ResourceID
        var operation: PlanStep.Operation
    }

    func steps() throws(DiagnosticsError) -> [PlanStep] {
        var keys: [Key] = []
        for change in changes {
            switch change.action {
            case .create: keys.append(Key(resource: change.id, operation: .create))
            case .update: keys.append(Key(resource: change.id, operation: .update))
            case .delete: keys.append(Key(resource: change.id, operation: .delete))
            case .replace:
                keys.append(Key(resource: change.id, operation: .create))
                keys.append(Key(resource: change.id, operation: .delete))
            case .noop: break
            }
        }
        var indexByKey: [Key: Int] = [:]
        for (index, key) in keys.enumerated() { indexByKey[key] = index }
        var waitsFor = [[Int]](repeating: [], count: keys.count)
        func forward(_ id: ResourceID) -> Int? {
            indexByKey[Key(resource: id, operation: .create)] ?? indexByKey[Key(resource: id, operation: .update)]
        }
        for change in changes {
            let create = forward(change.id)
            let delete = indexByKey[Key(resource: change.id, operation: .delete)]
            if let create {
                for dependency in change.dependencies { if let other = forward(dependency) { waitsFor[create].append(other) } }
            }
            if let delete {
                for dependency in state[change.id]?.dependencies ?? [] {
                    if let other = indexByKey[Key(resource: dependency, operation: .delete)] { waitsFor[other].append(delete) }
                }
            }
            guard change.action == .replace, let create, let delete else { continue }
            if change.replaceOrder == .createBeforeDestroy {
                waitsFor[delete].append(create)
                if let node = graph.indexByID[change.id] {
                    for dependent in graph.dependents(of: node) {
                        if let other = forward(graph.ids[Int(dependent)]) { waitsFor[delete].append(other) }
                    }
                }
            } else {
                waitsFor[create].append(delete)
            }
        }
        chainRollouts(keys, indexByKey: indexByKey, &waitsFor)
        return try ordered(keys, waitsFor)
    }

    /// Orders the creates and deletes of each rollout group. With nothing to remove, the
    /// serial members are created one at a time and the others after the last of them
    /// (a cluster's control plane first, then its workers in parallel). With members to
    /// remove, the group rolls one at a time in slot order, each new member created before
    /// the next old one is removed: create 1, delete 1, create 2, delete 2, ... Members
    /// replaced under the same name (a re-provisioned bare-metal node) then go one at a
    /// time, after the rest of the group.
    private func chainRollouts(_ keys: [Key], indexByKey: [Key: Int], _ waitsFor: inout [[Int]]) {
        var creates: [String: [(slot: RolloutSlot, step: Int)]] = [:]
        var deletes: [String: [(slot: RolloutSlot, step: Int)]] = [:]
        var replaces: [String: [(slot: RolloutSlot, delete: Int, create: Int)]] = [:]
        for change in changes {
            guard let slot = slots[change.id] else { continue }
            let create = indexByKey[Key(resource: change.id, operation: .create)], delete = indexByKey[Key(resource: change.id, operation: .delete)]
            switch (change.action, create, delete) {
            case (.create, let create?, _): creates[slot.group, default: []].append((slot, create))
            case (.delete, _, let delete?): deletes[slot.group, default: []].append((slot, delete))
            case (.replace, let create?, let delete?) where change.replaceOrder != .createBeforeDestroy: replaces[slot.group, default: []].append((slot, delete, create))
            default: break
            }
        }
        func sorted(_ members: [(slot: RolloutSlot, step: Int)]) -> [Int] {
            members.sorted { ($0.slot.serial ? 0 : 1, $0.slot.order, keys[$0.step].resource) < ($1.slot.serial ? 0 : 1, $1.slot.order, keys[$1.step].resource) }.map(\.step)
        }
        for group in Set(creates.keys).union(deletes.keys).union(replaces.keys) {
            let added = sorted(creates[group] ?? []), removed = sorted(deletes[group] ?? [])
            if removed.isEmpty {
                let serial = added.filter { slots[keys[$0].resource]?.serial == true }
                for (previous, next) in zip(serial, serial.dropFirst()) { waitsFor[next].append(previous) }
                if let last = serial.last { for step in added where slots[keys[step].resource]?.serial != true { waitsFor[step].append(last) } }
            } else {
                var sequence: [Int] = []
                for index in 0..<max(added.count, removed.count) {
                    if index < added.count { sequence.append(added[index]) }
                    if index < removed.count { sequence.append(removed[index]) }
                }
                for (previous, next) in zip(sequence, sequence.dropFirst()) { waitsFor[next].append(previous) }
            }
            let units = (replaces[group] ?? []).sorted { ($0.slot.order, keys[$0.delete].resource) < ($1.slot.order, keys[$1.delete].resource) }
            var before = added + removed
            for unit in units {
                waitsFor[unit.delete] += before
                before = [unit.create]
            }
        }
    }

    /// Renumbers the steps in a dependency-first order (ties by resource and operation).
    private func ordered(_ keys: [Key], _ waitsFor: [[Int]]) throws(DiagnosticsError) -> [PlanStep] {
        var remaining = waitsFor.map { Set($0).count }
        var dependents = [[Int]](repeating: [], count: keys.count)
        for (step, waits) in waitsFor.enumerated() { for other in Set(waits) { dependents[other].append(step) } }
        var ready = Heap((0..<keys.count).filter { remaining[$0] == 0 })
        var order: [Int] = []
        order.reserveCapacity(keys.count)
        while let step = ready.popMin() {
            order.append(step)
            for dependent in dependents[step] {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { ready.insert(dependent) }
            }
        }
        guard order.count == keys.count else {
            let stuck = (0..<keys.count).filter { remaining[$0] > 0 }.map { "\(keys[$0].operation) \(keys[$0].resource)" }
            throw DiagnosticsError([Diagnostic(about: "planner", "the plan's operations wait on each other (\(stuck.joined(separator: ", "))); set lifecycle.createBeforeDestroy consistently on these resources")])
        }
        var newIndex = [Int](repeating: 0, count: keys.count)
        for (position, step) in order.enumerated() { newIndex[step] = position }
        return order.enumerated().map { position, step in
            PlanStep(index: position, resource: keys[step].resource, operation: keys[step].operation, dependsOn: Set(waitsFor[step]).map { newIndex[$0] }.sorted())
        }
    }
}
