/// One edge a resource's spec adds to the dependency graph, with where it was written.
public struct SpecReference: Sendable, Hashable {
    /// Why the edge exists.
    public enum Origin: Sendable, Hashable {
        /// Listed in `metadata.dependsOn`.
        case dependsOn
        /// `spec.provider` names the provider.
        case provider
        /// A reference-typed field, such as `spec.network`.
        case field(FieldPath)
        /// A `${Kind/name.outputs.FIELD}` in a string.
        case interpolation(FieldPath, output: String)
    }

    /// The resource depended on.
    public var target: ResourceID
    /// Why.
    public var origin: Origin
    /// Where it was written.
    public var location: SourceLocation

    /// Creates a reference.
    public init(target: ResourceID, origin: Origin, location: SourceLocation) {
        self.target = target
        self.origin = origin
        self.location = location
    }
}

/// Collects the references of one resource while it is decoded.
struct ReferenceCollector {
    var references: [SpecReference] = []

    mutating func add(_ target: ResourceID, _ origin: SpecReference.Origin, at location: SourceLocation) {
        references.append(SpecReference(target: target, origin: origin, location: location))
    }

    mutating func add(_ template: InterpolatedString, at path: FieldPath, node: YAMLNode) {
        for (id, output) in template.outputReferences {
            add(id, .interpolation(path, output: output), at: node.location)
        }
    }
}
