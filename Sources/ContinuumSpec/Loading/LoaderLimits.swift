/// Bounds that keep hostile YAML from costing unbounded time, memory or stack.
public struct LoaderLimits: Sendable, Hashable {
    /// The largest spec file read, in bytes (default 16 MiB).
    public var maximumFileSize: Int
    /// The deepest nesting of lists and mappings accepted (default 64).
    public var maximumDepth: Int
    /// The most nodes one file may expand to once aliases are followed, beyond one node a
    /// byte of the file (default 100,000). A file without aliases never comes near it; a
    /// "billion laughs" file of a few hundred bytes hits it after about 100,000 nodes.
    public var extraNodesAllowed: Int
    /// The most files a repository may hold (default 200,000).
    public var maximumFiles: Int
    /// The most bytes the spec files of one load may add up to (default 256 MiB).
    ///
    /// Counted by the sizes `lstat` gives, in path order, over every file the load takes,
    /// whether it reads the file or reuses it from the cache (so an incremental load stops
    /// where a full one does); the files from the one that crosses it on are not read, and
    /// one error says so. Without it, 200,000 files of up to `maximumFileSize` could ask
    /// for terabytes. The default is ten times the 100,000-resource benchmark fleet
    /// (about 25 MiB of YAML); the loaded model takes many times its YAML's size, so a
    /// repository much past it would exhaust a controller's memory rather than load.
    public var maximumTotalBytes: Int

    /// Creates limits.
    public init(
        maximumFileSize: Int = 16 << 20, maximumDepth: Int = 64, extraNodesAllowed: Int = 100_000, maximumFiles: Int = 200_000,
        maximumTotalBytes: Int = 256 << 20
    ) {
        self.maximumFileSize = maximumFileSize
        self.maximumDepth = maximumDepth
        self.extraNodesAllowed = extraNodesAllowed
        self.maximumFiles = maximumFiles
        self.maximumTotalBytes = maximumTotalBytes
    }

    /// The node budget of a file of `size` bytes: linear in the input.
    public func maximumNodes(forFileOfSize size: Int) -> Int {
        size + extraNodesAllowed
    }

    /// The defaults.
    public static let `default` = LoaderLimits()
}
