/// What a load of a spec repository parsed, by file, so that the next load of the same
/// repository (the next commit, a re-plan after an edit) parses only the files whose
/// content changed. Files are matched by their path relative to the root and their
/// content's digest (SipHash-1-3 of the bytes, seeded per process, and the size), so a
/// cache is only meaningful within the process that filled it. A file whose `stat` is
/// the same as when it was hashed (`FileStamp`) is not even read again.
public struct SpecLoadCache: Sendable {
    struct Entry: Sendable {
        var size: Int
        var digest: Int
        var result: SpecLoader.FileResult
        /// The file's stamp when it was hashed, and when that was (nanoseconds).
        var stamp: FileStamp?
        var hashedAt: Int64 = 0
    }

    var entries: [String: Entry] = [:]
    /// The files of the load, in order, and what it merged them into.
    var files: [String] = []
    var merged: SpecRepository?
    /// The positions of the resources the load replaced when it patched an edit into the
    /// previous repository: the only ones that can differ from that repository's (a hint
    /// for `Planner.replan`); nil when it merged in full.
    public internal(set) var patchedPositions: [Int]?
    /// How many files the load that produced this cache read (to hash or parse them).
    public internal(set) var readFiles = 0
    /// How many files the load that produced this cache parsed (the rest were reused or
    /// refused).
    public internal(set) var parsedFiles = 0
    /// How many files that load reused from the previous cache.
    public internal(set) var reusedFiles = 0
    /// How many files that load refused without parsing them: links or special files that
    /// appeared in place of a listed file, files over the per-file limit, and the files
    /// past the total byte budget.
    public internal(set) var refusedFiles = 0

    /// An empty cache: the first load parses everything.
    public init() {}

    /// The content digest of a file's bytes.
    static func digest(_ bytes: [UInt8]) -> Int {
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }
}
