import ContinuumEngine
import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import Foundation
import Logging

extension Controller {
    /// Whether `planned`, the plan of `target`, may be applied: always, unless
    /// `requireReviewedPlan` is on, the commit is new (not the applied one, whose drift is
    /// corrected without review) and the plan changes something. Then only a plan whose
    /// digest was served for the commit's tree, or a commit an operator approved, is; any
    /// other commit is held, and the status says why.
    func mayApply(_ planned: PlannedChange, of target: DesiredCommit, logger: Logger) -> Bool {
        guard configuration.requireReviewedPlan, target.commit != status.lastAppliedCommit, planned.plan.hasChanges else { return true }
        if isApproved(target.commit) {
            logger.notice("applying a commit an operator approved without a reviewed plan")
            return true
        }
        let digest = PlanDigest(planned.plan, tree: target.tree)
        let served = servedPlanDigests(tree: target.tree)
        if served.contains(digest) { return true }
        let held = HeldForReview(commit: target.commit, tree: target.tree, digest: digest, served: served, changes: planned.plan.changes.map(\.id))
        heldForReview = held
        logger.warning("commit held for review", metadata: ["digest": "\(digest)", "reviewed": "\(served.map(\.value).sorted())"])
        return false
    }

    /// Approves `commit` (a full or abbreviated SHA, at least 7 digits) for applying without
    /// a reviewed plan (`continuum approve`); a held commit is reconciled at once. The
    /// approval is kept in the state, so it outlives a restart and holds for every replica.
    /// - Returns: what became of it.
    /// - Throws: `ControlError` when `commit` is not a SHA or the state cannot be written.
    public func approve(commit: String) async throws(ControlError) -> String {
        let approved = commit.lowercased()
        guard approved.count >= 7, approved.count <= 40, approved.allSatisfy(\.isHexDigit) else { throw .notACommit(commit) }
        let held = heldForReview.flatMap { $0.commit.hasPrefix(approved) ? $0 : nil }
        let key = Self.approvedPrefix + (held?.commit ?? approved)
        do { try await store.setControl(key, to: Date().formatted(.iso8601)) } catch { throw .state(error) }
        controls[key] = Date().formatted(.iso8601)
        guard let held else {
            return "commit \(commit) is approved; it is applied without a reviewed plan when the controller reaches it"
        }
        await reconsider(held)
        return "commit \(held.commit.prefix(12)) is approved and reconciled now"
    }

    /// Whether an operator approved `commit` (by its full or abbreviated SHA).
    func isApproved(_ commit: String) -> Bool {
        controls.keys.contains { $0.hasPrefix(Self.approvedPrefix) && commit.hasPrefix($0.dropFirst(Self.approvedPrefix.count)) }
    }

    /// The held commit is reconciled again (a plan was served for its tree, or it was
    /// approved): loaded anew at the next fetch, which starts now.
    func reconsider(_ held: HeldForReview) async {
        guard heldForReview == held else { return }
        heldForReview = nil
        if loadedCommit == held.commit { loadedCommit = nil }
        _ = await trigger()
    }
}
