import ContinuumSpec
import ContinuumEngine

/// A commit whose specs loaded and planned: what the controller converges to and corrects
/// drift against, with its resources indexed by id.
struct DesiredCommit: Sendable {
    /// The commit's SHA.
    var commit: String
    /// Its tree's SHA (plans served for review are recorded by tree).
    var tree: String
    /// Its validated specs.
    var specs: ValidatedSpecs
    /// Its resources (providers left out) by id.
    var resources: [ResourceID: Resource]

    init(commit: String, tree: String, specs: ValidatedSpecs) {
        self.commit = commit
        self.tree = tree
        self.specs = specs
        self.resources = Dictionary(specs.resources.filter { $0.id.kind != .provider }.map { ($0.id, $0) }) { first, _ in first }
    }
}
