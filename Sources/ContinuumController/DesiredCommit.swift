import ContinuumEngine
import ContinuumGraph
import ContinuumSpec

/// A commit whose specs loaded and planned: what the controller converges to and corrects
/// drift against. Its resources are found by id through the graph's index (no index of its
/// own: at 100,000 resources, building one cost a tenth of a second on the way from a new
/// commit to its first provider call).
struct DesiredCommit: Sendable {
    /// The commit's SHA.
    let commit: String
    /// Its tree's SHA (plans served for review are recorded by tree).
    let tree: String
    /// Its validated specs.
    let specs: ValidatedSpecs
    /// When its load re-validated only what an edit changed: the commit loaded before it,
    /// and the positions of the only resources that can differ from that commit's.
    let edited: (base: String, positions: [Int])?

    init(commit: String, tree: String, specs: ValidatedSpecs, edited: (base: String, positions: [Int])? = nil) {
        self.commit = commit
        self.tree = tree
        self.specs = specs
        self.edited = edited
    }

    /// The resource `id` (not a provider), if the commit has it.
    func resource(_ id: ResourceID) -> Resource? {
        guard id.kind != .provider, let index = specs.graph.indexByID[id] else { return nil }
        return specs.resources[index]
    }

    /// Whether the commit has the resource `id` (not a provider).
    func contains(_ id: ResourceID) -> Bool {
        id.kind != .provider && specs.graph.indexByID[id] != nil
    }

    /// The ids of its resources (providers left out).
    var resourceIDs: [ResourceID] {
        specs.graph.ids.filter { $0.kind != .provider }
    }

    /// The positions of the only resources that can differ from those of the specs
    /// `commit` planned (what `Planner.replan` takes as `edited`): none for the same commit,
    /// the edited ones for the commit this one's load re-validated from; nil when unknown
    /// (every resource is compared).
    func edited(since commit: String) -> [Int]? {
        if commit == self.commit { return [] }
        guard let edited, edited.base == commit else { return nil }
        return edited.positions
    }
}
