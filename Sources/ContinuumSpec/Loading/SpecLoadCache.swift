/// What a load of a spec repository parsed, by file, so that the next load of the same
/// repository (the next commit, a re-plan after an edit) parses only the files whose
/// content changed. Files are matched by their path relative to the root and their
/// content's digest (SipHash-1-3 of the bytes, seeded per process, and the size), so a
/// cache is only meaningful within the process that filled it.
public struct SpecLoadCache: Sendable {
    struct Entry: Sendable {
        var size: Int
        var digest: Int
        var result: SpecLoader.FileResult
    }

    var entries: [String: Entry] = [:]
    /// The files of the load, in order, and what it merged them into; the position of each
    /// resource once a load has patched an edit in.
    var files: [String] = []
    var merged: SpecRepository?
    var positions: [ResourceID: Int] = [:]
    /// How many files the load that produced this cache parsed (the rest were reused).
    public internal(set) var parsedFiles = 0
    /// How many files that load reused from the previous cache.
    public internal(set) var reusedFiles = 0

    /// An empty cache: the first load parses everything.
    public init() {}

    /// The content digest of a file's bytes.
    static func digest(_ bytes: [UInt8]) -> Int {
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.finalize()
    }
}
