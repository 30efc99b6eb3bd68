import CLibGit2
import Foundation

/// What changed between two commits' trees, entry by entry (libgit2's
/// `git_diff_tree_to_tree`, without rename detection): what tells the controller which
/// spec files to read again, and what an incremental checkout applies.
struct TreeDiff {
    /// One changed entry: its path before (nil when added) and after (nil when deleted),
    /// and the new blob and mode.
    struct Change {
        var oldPath: String?
        var newPath: String?
        var newBlob: git_oid
        var newMode: git_filemode_t
    }

    var changes: [Change]

    /// The diff from the tree of commit `old` (a SHA) to `newTree`; nil when `old` is not
    /// a commit of the repository.
    init?(_ repository: OpaquePointer, from old: String, to newTree: OpaquePointer) {
        var oldID = git_oid()
        guard git_oid_fromstr(&oldID, old) == 0 else { return nil }
        var oldCommit: OpaquePointer?
        guard git_commit_lookup(&oldCommit, repository, &oldID) == 0 else { return nil }
        defer { git_commit_free(oldCommit) }
        var oldTree: OpaquePointer?
        guard git_commit_tree(&oldTree, oldCommit) == 0 else { return nil }
        defer { git_tree_free(oldTree) }
        var options = git_diff_options()
        git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
        var diff: OpaquePointer?
        guard git_diff_tree_to_tree(&diff, repository, oldTree, newTree, &options) == 0 else { return nil }
        defer { git_diff_free(diff) }
        changes = []
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { return nil }
            let added = delta.status == GIT_DELTA_ADDED, deleted = delta.status == GIT_DELTA_DELETED
            changes.append(Change(
                oldPath: added ? nil : delta.old_file.path.map { String(cString: $0) },
                newPath: deleted ? nil : delta.new_file.path.map { String(cString: $0) },
                newBlob: delta.new_file.id, newMode: git_filemode_t(UInt32(delta.new_file.mode))))
        }
    }

    /// Whether a `.gitattributes` changed: it can change how unchanged files are checked out.
    var touchesAttributes: Bool {
        changes.contains { [$0.oldPath, $0.newPath].contains { $0.map { $0 == ".gitattributes" || $0.hasSuffix("/.gitattributes") } ?? false } }
    }

    /// The changed paths below `path` (relative to it); nil when a `.gitattributes` changed.
    func files(under path: String?) -> Set<String>? {
        guard !touchesAttributes else { return nil }
        let prefix = path.map(GitSession.trimmed).map { $0.isEmpty ? "" : $0 + "/" } ?? ""
        var files = Set<String>()
        for change in changes {
            for file in [change.oldPath, change.newPath].compactMap({ $0 }) where file.hasPrefix(prefix) {
                files.insert(String(file.dropFirst(prefix.count)))
            }
        }
        return files
    }
}
