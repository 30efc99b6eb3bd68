/// Decodes one YAML document into a `Resource`, reporting every problem it finds.
struct ResourceDocumentDecoder {
    /// The only `apiVersion` spec-v1 defines.
    static let apiVersion = "continuum.dev/v1"
    static let topLevelFields = ["apiVersion", "kind", "metadata", "lifecycle", "spec"]

    func decode(_ document: YAMLNode, context: DecodingContext) -> Resource? {
        guard let fields = context.fields(of: document, at: .root, allowed: Self.topLevelFields, required: ["apiVersion", "kind", "metadata", "spec"])
        else { return nil }
        if let node = fields.present("apiVersion"), let version = context.string(node, at: "apiVersion"), version != Self.apiVersion {
            context.error(node, "apiVersion", "unsupported apiVersion '\(version)'; write \(Self.apiVersion)")
        }
        let kind = fields.present("kind").flatMap { context.choice($0, at: "kind", as: ResourceKind.self) }
        var references = ReferenceCollector()
        let metadataNode = fields.present("metadata")
        let metadata = metadataNode.flatMap { ResourceMetadata.decode($0, context: context, references: &references) }
        guard let kind else { return nil }
        let lifecycle = fields.present("lifecycle").map { Lifecycle.decode($0, kind: kind, context: context) } ?? Lifecycle()
        let spec = fields.present("spec").flatMap { ResourceSpec.decode($0, kind: kind, context: context, references: &references) }
        guard let metadata, let spec, let metadataNode else { return nil }
        var specFieldLocations: [String: SourceLocation] = [:]
        if case .mapping(let pairs)? = fields.present("spec")?.content {
            for (key, value) in pairs { if let name = key.scalarText { specFieldLocations[name] = value.location } }
        }
        return Resource(
            id: ResourceID(kind, metadata.name), metadata: metadata, lifecycle: lifecycle, spec: spec,
            location: metadataNode.location, references: references.references, specFieldLocations: specFieldLocations)
    }
}
