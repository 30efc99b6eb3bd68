import ContinuumSpec
import ContinuumEngine

/// A commit whose specs loaded and planned: what the controller converges to and corrects
/// drift against, with its resources' positions indexed by id (positions, not copies: at
/// 100,000 resources, copying every resource into a dictionary cost a quarter of a second
/// on the way from a new commit to its first provider call).
struct DesiredCommit: Sendable {
    /// The commit's SHA.
    let commit: String
    /// Its tree's SHA (plans served for review are recorded by tree).
    let tree: String
    /// Its validated specs.
    let specs: ValidatedSpecs
    /// The position in `specs.resources` of each resource (providers left out), by id.
    let positions: [ResourceID: Int]

    init(commit: String, tree: String, specs: ValidatedSpecs) {
        self.commit = commit
        self.tree = tree
        self.specs = specs
        var positions: [ResourceID: Int] = [:]
        positions.reserveCapacity(specs.resources.count)
        for (index, resource) in specs.resources.enumerated() where resource.id.kind != .provider && positions[resource.id] == nil {
            positions[resource.id] = index
        }
        self.positions = positions
    }

    /// The resource `id` (not a provider), if the commit has it.
    func resource(_ id: ResourceID) -> Resource? {
        positions[id].map { specs.resources[$0] }
    }
}
