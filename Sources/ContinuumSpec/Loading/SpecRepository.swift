/// The resources of a spec repository, loaded and checked resource by resource.
/// Cross-resource checks (dangling references, cycles) are the graph's.
public struct SpecRepository: Sendable {
    /// Every valid resource, sorted by id.
    public var resources: [Resource]
    /// Documents with errors whose identity is known (see `RejectedResource`).
    public var rejected: [RejectedResource]
    /// How many spec files were read.
    public var fileCount: Int
    /// Every problem found, sorted by file and line.
    public var diagnostics: [Diagnostic]

    /// Creates a repository value.
    public init(resources: [Resource], rejected: [RejectedResource] = [], fileCount: Int, diagnostics: [Diagnostic]) {
        self.resources = resources
        self.rejected = rejected
        self.fileCount = fileCount
        self.diagnostics = diagnostics.sorted()
    }
}
