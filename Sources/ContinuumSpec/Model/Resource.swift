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
    /// Where each top-level `spec` field's value is written, by field name.
    public var specFieldLocations: [String: SourceLocation]
    /// The resource this one was generated from (a cluster, for its machines); nil for
    /// resources written in the spec.
    public var owner: ResourceID?

    /// Creates a resource.
    public init(id: ResourceID, metadata: ResourceMetadata, lifecycle: Lifecycle, spec: ResourceSpec, location: SourceLocation, references: [SpecReference], specFieldLocations: [String: SourceLocation] = [:]) {
        self.id = id
        self.metadata = metadata
        self.lifecycle = lifecycle
        self.spec = spec
        self.location = location
        self.references = references
        self.specFieldLocations = specFieldLocations
    }

    /// Where the field at `path` is written: its top-level `spec` field, else the resource.
    public func location(of path: FieldPath) -> SourceLocation {
        let pieces = path.text.split(separator: ".", maxSplits: 2)
        guard pieces.count > 1, pieces[0] == "spec" else { return location }
        let field = pieces[1].prefix { $0 != "[" }
        return specFieldLocations[String(field)] ?? location
    }

    /// The label selectors of a cluster's bare-metal pools (empty for other kinds).
    public var nodeSelectors: [[String: String]] {
        guard case .kubernetesCluster(let cluster) = spec else { return [] }
        return cluster.nodePools.compactMap(\.matchLabels)
    }
}
