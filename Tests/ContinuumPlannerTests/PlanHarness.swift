import ContinuumGraph
import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Testing

/// Plans in-memory spec files against a state, and records the state an apply of a spec
/// would leave behind (resolved specs, plausible outputs), for planner tests.
enum PlanHarness {
    static func loaded(_ files: [String: String]) throws -> (resources: [Resource], graph: ResourceGraph) {
        let repository = SpecHarness.load(files)
        let (graph, diagnostics) = GraphBuilder().build(repository.resources)
        try #require(repository.diagnostics + diagnostics == [], "fixture must be valid")
        return (repository.resources, graph)
    }

    static func plan(_ files: [String: String], state: StateSnapshot = .empty, options: PlanOptions = PlanOptions()) throws -> Plan {
        let (resources, graph) = try loaded(files)
        return try Planner(options: options).plan(resources: resources, graph: graph, state: state)
    }

    /// The errors a refused plan reports.
    static func refusal(_ files: [String: String], state: StateSnapshot) throws -> [String] {
        let (resources, graph) = try loaded(files)
        do {
            _ = try Planner().plan(resources: resources, graph: graph, state: state)
            Issue.record("the plan was not refused")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    /// The state after applying `files` from scratch, with serial 7.
    static func applied(_ files: [String: String]) throws -> StateSnapshot {
        let (resources, graph) = try loaded(files)
        return SimulatedApply.record(resources, graph: graph)
    }

    /// `op Kind/name` of each step, in plan order, with the steps it waits for.
    static func steps(_ plan: Plan) -> [String] {
        plan.steps.map { step in
            let waits = step.dependsOn.map { "\(plan.steps[$0].operation) \(plan.steps[$0].resource)" }
            return "\(step.operation) \(step.resource)" + (waits.isEmpty ? "" : " after " + waits.joined(separator: ", "))
        }
    }

    /// `path: before -> after` of a change's fields.
    static func fields(_ change: ResourceChange?) -> [String] {
        (change?.fieldChanges ?? []).map { "\($0.path): \($0.before?.description ?? "nil") -> \($0.after?.description ?? "nil")\($0.forcesReplacement ? " (forces)" : "")" }
    }
}

extension Plan {
    func change(_ kind: ResourceKind, _ name: String) -> ResourceChange? {
        changes.first { $0.id == ResourceID(kind, name) }
    }
}
