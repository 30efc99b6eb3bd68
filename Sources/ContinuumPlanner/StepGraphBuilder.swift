import ContinuumGraph
import ContinuumSpec
import ContinuumState
import HeapModule

/// Turns resource changes into the DAG of provider operations:
/// - a create or update waits for the creates and updates of what it depends on;
/// - a delete waits for the deletes of what depended on it (as recorded);
/// - a destroy-before-create replace creates after its delete; a create-before-destroy
///   replace deletes after its create and after its dependents were created or updated.
struct StepGraphBuilder {
    let changes: [ResourceChange]
    let graph: ResourceGraph
    let state: StateSnapshot

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
        return try ordered(keys, waitsFor)
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
