import Foundation
import CLibGit2

/// Fetches a Git repository with libgit2 and checks the tracked commit out into a clean
/// directory of its own: clone once (bare) into the cache, then fetch; a reconcile never
/// reads a half-updated tree. libgit2's calls block, so they run on a queue of their own,
/// not on Swift's cooperative threads.
public final class GitSource: Sendable {
    /// What it fetches and tracks.
    public let options: GitSourceOptions
    private let queue = DispatchQueue(label: "continuum.git")

    /// Creates a source; nothing is fetched until `fetch()`.
    public init(options: GitSourceOptions) {
        self.options = options
    }

    /// Fetches and returns the tracked commit (or `reference` instead, such as a commit an
    /// operator pinned), checked out; with `changesSince` (a commit SHA), it also tells which
    /// spec files differ from that commit's tree (`GitRevision.changedFiles`), and makes the
    /// new checkout from that commit's, when it is kept, by applying the tree diff.
    /// - Throws: `GitError` naming the operation, with libgit2's message and a remedy.
    public func fetch(_ reference: GitReference? = nil, changesSince: String? = nil) async throws(GitError) -> GitRevision {
        var session = GitSession(options: options)
        if let reference { session.reference = reference }
        session.changesSince = changesSince
        let fetching = session
        return try await checkingOut { () throws(GitError) in try fetching.fetchAndCheckOut() }
    }

    /// Fetches and returns the commit the tracked reference names now, without checking it
    /// out: how a reconcile that is waiting learns that a newer commit arrived.
    /// - Throws: `GitError` naming the operation, with libgit2's message and a remedy.
    public func head() async throws(GitError) -> String {
        try await onQueue { () throws(GitError) in try GitSession(options: self.options).fetchHead() }
    }

    /// Fetches, and returns the full SHA of `commit` when the tracked reference is at it or
    /// descends from it; nil when it does not, such as a pull request's unmerged head: what
    /// an operator may pin the controller to.
    /// - Throws: `GitError` when the fetch fails or no such commit exists.
    public func commitOnTrackedReference(_ commit: String) async throws(GitError) -> String? {
        try await onQueue { () throws(GitError) in try GitSession(options: self.options).commitOnReference(commit) }
    }

    /// Runs a fetch and checkout on the source's queue and returns its revision; the old
    /// checkouts it pruned are deleted on the queue after that, so the caller does not wait
    /// for them (the source's next operation does, if it comes before they are gone).
    private func checkingOut(_ body: @escaping @Sendable () throws(GitError) -> (revision: GitRevision, pruned: [URL])) async throws(GitError) -> GitRevision {
        let (revision, pruned) = try await onQueue(body)
        if !pruned.isEmpty { queue.async { GitSession.delete(pruned) } }
        return revision
    }

    /// Runs `body` (libgit2's blocking calls) on the source's queue.
    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws(GitError) -> T) async throws(GitError) -> T {
        let result: Result<T, GitError> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result { () throws(GitError) in try body() }) }
        }
        return try result.get()
    }

    /// Fetches `reference` (a branch, a tag, a commit, or a forge's `refs/pull/N/head` or
    /// `refs/merge-requests/N/head` given as a branch-like name) for a plan, and checks it out
    /// apart from the tracked commit's checkouts, so that planning never prunes what a
    /// reconcile is reading. The tracked reference is not changed.
    /// - Throws: `GitError` naming the operation, with libgit2's message and a remedy.
    public func fetchForPlan(_ reference: GitReference) async throws(GitError) -> GitRevision {
        var session = GitSession(options: options)
        session.reference = reference
        session.checkouts = "plans"
        session.keptCheckouts = Self.keptPlanCheckouts
        session.fetchesReviewRefs = true
        let planning = session
        return try await checkingOut { () throws(GitError) in try planning.fetchAndCheckOut() }
    }

    /// How many checkouts of planned references are kept.
    static let keptPlanCheckouts = 8
}
