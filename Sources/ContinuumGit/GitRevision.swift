public import Foundation

/// One fetched commit, checked out into a directory of its own.
public struct GitRevision: Sendable, Hashable {
    /// The commit's full SHA.
    public var commit: String
    /// The first line of its message.
    public var summary: String
    /// The directory holding the commit's tree (and, with a path, its sub-directory).
    public var directory: URL
    /// The SHA of the commit's tree: commits with the same tree have the same specs.
    public var tree: String
    /// When the fetch was asked for the changes since a commit: the files below the spec
    /// directory (relative to it) that differ between that commit's tree and this one's,
    /// from libgit2's tree diff; every other file has the same content. Nil when not asked,
    /// or when it cannot be told (the commit is unknown, a `.gitattributes` changed, the
    /// spec directory is reached through a link).
    public var changedFiles: Set<String>?

    /// Creates a revision.
    public init(commit: String, summary: String, directory: URL, tree: String = "") {
        self.commit = commit
        self.summary = summary
        self.directory = directory
        self.tree = tree
    }
}
