/// What a scan of a spec repository found: the spec files to load, relative to one
/// directory with no link in its path, and the entries refused without being read.
public struct RepositoryListing: Sendable, Hashable {
    /// The directory the files' paths are relative to: the root passed to the scan with
    /// its links resolved (`realpath`), or the directory of a single file passed as root.
    public var directory: String
    /// The spec files' paths relative to `directory`, sorted byte-wise.
    public var files: [String]
    /// One error for each entry refused without being read or followed: every symbolic
    /// link below the root, and every `*.yaml` / `*.yml` entry that is not a regular file
    /// (a FIFO, a socket, a device). Located at the entry's path, line 1, column 1.
    public var refused: [Diagnostic]

    /// Creates a listing.
    public init(directory: String, files: [String], refused: [Diagnostic] = []) {
        self.directory = directory
        self.files = files
        self.refused = refused
    }

    /// The absolute path of `file`, one of `files`.
    public func path(of file: String) -> String {
        directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }
}
