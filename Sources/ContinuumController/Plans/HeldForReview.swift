import ContinuumEngine
import ContinuumSpec

/// A new commit held because the plan it would apply was not the one served for review.
struct HeldForReview: Sendable, Hashable {
    /// The held commit.
    var commit: String
    /// Its tree.
    var tree: String
    /// The digest of the plan it would apply now.
    var digest: PlanDigest
    /// The digests of the plans served for its tree (none when it was never planned).
    var served: Set<PlanDigest>
    /// The resources the plan changes.
    var changes: [ResourceID]

    /// The status message: both digests and the changed resources, and what to do.
    var message: String {
        let reviewed = served.isEmpty ? "no plan was served for review" : "the plans served for review have digest \(served.map(\.value).sorted().joined(separator: ", "))"
        let resources = changes.prefix(20).map(\.description).joined(separator: ", ") + (changes.count > 20 ? " and \(changes.count - 20) more" : "")
        return "commit \(commit.prefix(12)) is held for review: the plan it would apply has digest \(digest), but \(reviewed); it changes \(resources). "
            + "Plan it again for review (POST /api/v1/plans, `continuum plan --server`) and apply that, or approve it: `continuum approve --server URL --commit \(commit.prefix(12))`"
    }
}
