import ContinuumEngine
import ContinuumGit
import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import Foundation
import Logging

extension Controller {
    /// Plans a ref or commit of the controller's repository against the live state, for a
    /// review: fetched with the controller's own source and credentials, validated, and
    /// planned read-only (no state lock, nothing written to the state or to a provider),
    /// alongside reconciles. Providers are built only from what was applied, so a change
    /// under review never starts a program or reads a secret for its new configuration.
    /// At most `configuration.maximumConcurrentPlans` run at once.
    /// - Throws: `PlanServiceError`, one case per HTTP answer.
    public func servePlan(_ request: PlanRequest) async throws(PlanServiceError) -> ServedPlan {
        let reference = try request.reference()
        guard plansRunning < configuration.maximumConcurrentPlans else { throw .busy(limit: configuration.maximumConcurrentPlans) }
        plansRunning += 1
        defer { plansRunning -= 1 }
        let revision: GitRevision
        do {
            revision = try await source.fetchForPlan(reference)
        } catch {
            throw .fetch(error.description, notFound: error.operation.hasPrefix("find "))
        }
        let specs: ValidatedSpecs
        do {
            specs = try await ValidatedSpecs.load(revision.directory, catalog: catalog)
        } catch {
            throw .invalid(error.diagnostics.map(prefixed))
        }
        // Planned as a reconcile would plan it: suspended resources held, and the live state
        // the last reconcile refreshed reused while it is young.
        var planner = reconciler
        planner.options.held = suspendedResources
        planner.options.refresh = !policy.refreshedWithin(configuration.planRefreshMaximumAge, now: clock.now)
        let plan: Plan
        do {
            plan = try await planner.plan(specs).plan
        } catch {
            switch error {
            case .refused(let refusal): throw .invalid(refusal.diagnostics.map(prefixed))
            case .failed(let failure): throw .failed(failure.description)
            }
        }
        let digest = PlanDigest(plan, tree: revision.tree)
        await remember(digest, commit: revision.commit, tree: revision.tree)
        // A commit held for want of this review is reconciled again now.
        if let held = heldForReview, held.tree == revision.tree { await reconsider(held) }
        logger.info("plan served", metadata: ["commit": "\(revision.commit)", "digest": "\(digest)", "summary": "\(plan.summary.line)"])
        let format = request.format ?? .text
        return ServedPlan(
            commit: revision.commit, tree: revision.tree, base: status.lastAppliedCommit, summary: plan.summary.line,
            counts: ControllerStatus.PlanCounts(plan), digest: digest,
            text: format == .text ? PlanTextRenderer(colour: false).render(plan) : nil,
            markdown: format == .markdown ? PlanMarkdownRenderer(maximumDestroys: configuration.maximumDestroys).render(plan) : nil,
            plan: format == .json ? plan : nil)
    }

    /// The digests of the plans served for `commit`, with its tree; nil when none was.
    public func servedPlan(commit: String) -> ServedDigests? {
        let served = allServedPlans
        return served[commit] ?? served.first { $0.key.hasPrefix(commit) && commit.count >= 7 }?.value
    }

    /// The digests of the plans served for any commit with the tree `tree`.
    public func servedPlanDigests(tree: String) -> Set<PlanDigest> {
        Set(allServedPlans.values.filter { $0.tree == tree }.flatMap(\.digests))
    }

    /// The control under which the digests served for a commit are kept in the state, so
    /// that a restarted controller, or another replica, knows what was reviewed.
    static let servedPrefix = "served/"

    /// The plans served by this process, and those the state records (by any replica, or
    /// before a restart), as last read at the start of a cycle.
    private var allServedPlans: [String: ServedDigests] {
        var served: [String: ServedDigests] = [:]
        for (key, value) in controls where key.hasPrefix(Self.servedPrefix) {
            if let digests = try? JSONDecoder().decode(ServedDigests.self, from: Data(value.utf8)) { served[String(key.dropFirst(Self.servedPrefix.count))] = digests }
        }
        return served.merging(servedPlans) { recorded, mine in
            var merged = mine
            merged.executed = mine.executed ?? recorded.executed
            merged.digests = Array((recorded.digests + mine.digests.filter { !recorded.digests.contains($0) }).suffix(Self.digestsPerCommit))
            return merged
        }
    }

    /// How many commits' served digests are kept, and how many digests per commit.
    static let rememberedCommits = 256
    static let digestsPerCommit = 16

    /// Records the digest of the plan executed for `commit`, beside those served for it.
    func rememberExecuted(_ digest: PlanDigest, commit: String, tree: String) async {
        await remember(commit: commit, tree: tree) { $0.executed = digest }
    }

    private func remember(_ digest: PlanDigest, commit: String, tree: String) async {
        await remember(commit: commit, tree: tree) { served in
            if served.digests.last != digest { served.digests.append(digest) }
            served.digests = Array(served.digests.suffix(Self.digestsPerCommit))
        }
    }

    private func remember(commit: String, tree: String, _ change: (inout ServedDigests) -> Void) async {
        var served = allServedPlans[commit] ?? ServedDigests(tree: tree, digests: [])
        change(&served)
        served.time = Date()
        servedPlans[commit] = served
        if let json = try? JSONEncoder().encode(served) {
            let text = String(decoding: json, as: UTF8.self)
            if (try? await store.setControl(Self.servedPrefix + commit, to: text)) != nil { controls[Self.servedPrefix + commit] = text }
        }
        // Bounded: the oldest commits' digests are forgotten, here and in the state.
        let all = allServedPlans
        if all.count > Self.rememberedCommits, let oldest = all.min(by: { $0.value.time < $1.value.time })?.key {
            servedPlans[oldest] = nil
            controls[Self.servedPrefix + oldest] = nil
            try? await store.setControl(Self.servedPrefix + oldest, to: nil)
        }
    }
}
