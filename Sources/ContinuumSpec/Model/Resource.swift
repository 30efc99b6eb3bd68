/// One resource of a spec repository: one YAML document, typed and validated.
public struct Resource: Sendable, Hashable {
    /// `Kind/name`.
    public var id: ResourceID
    /// Name, labels, annotations and explicit dependencies.
    public var metadata: ResourceMetadata
    /// Guards and replacement order.
    public var lifecycle: Lifecycle
    /// The typed spec.
    public var spec: ResourceSpec
    /// Where the document's `metadata.name` is written.
    public var location: SourceLocation
    /// Every edge the resource adds to the dependency graph, with where it was written.
    public var references: [SpecReference]

    /// Creates a resource.
    public init(id: ResourceID, metadata: ResourceMetadata, lifecycle: Lifecycle, spec: ResourceSpec, location: SourceLocation, references: [SpecReference]) {
        self.id = id
        self.metadata = metadata
        self.lifecycle = lifecycle
        self.spec = spec
        self.location = location
        self.references = references
    }

    /// The label selectors of a cluster's bare-metal pools (empty for other kinds).
    public var nodeSelectors: [[String: String]] {
        guard case .kubernetesCluster(let cluster) = spec else { return [] }
        return cluster.nodePools.compactMap(\.matchLabels)
    }
}
