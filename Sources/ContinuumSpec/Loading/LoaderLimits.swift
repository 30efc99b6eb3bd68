/// Bounds that keep hostile YAML from costing unbounded time, memory or stack.
public struct LoaderLimits: Sendable, Hashable {
    /// The largest spec file read, in bytes (default 16 MiB).
    public var maximumFileSize: Int
    /// The deepest nesting of lists and mappings accepted (default 64).
    public var maximumDepth: Int
    /// The most nodes one file may expand to once aliases are followed (default
    /// 1,000,000): a "billion laughs" file hits it after a few milliseconds.
    public var maximumNodes: Int
    /// The most files a repository may hold (default 200,000).
    public var maximumFiles: Int

    /// Creates limits.
    public init(maximumFileSize: Int = 16 << 20, maximumDepth: Int = 64, maximumNodes: Int = 1_000_000, maximumFiles: Int = 200_000) {
        self.maximumFileSize = maximumFileSize
        self.maximumDepth = maximumDepth
        self.maximumNodes = maximumNodes
        self.maximumFiles = maximumFiles
    }

    /// The defaults.
    public static let `default` = LoaderLimits()
}
