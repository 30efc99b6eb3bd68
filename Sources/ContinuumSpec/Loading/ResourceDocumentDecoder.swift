/// Decodes one YAML document into a `Resource`, reporting every problem it finds.
struct ResourceDocumentDecoder {
    /// The only `apiVersion` spec-v1 defines.
    static let apiVersion = "continuum.dev/v1"
    static let topLevelFields = ["apiVersion", "kind", "metadata", "lifecycle", "spec"]

    /// What became of one document.
    enum Outcome {
        case valid(Resource)
        case rejected(RejectedResource)
        case unidentified
    }

    func decode(_ document: YAMLNode, context: DecodingContext) -> Outcome {
        guard let fields = context.fields(of: document, at: .root, allowed: Self.topLevelFields, required: ["apiVersion", "kind", "metadata", "spec"])
        else { return .unidentified }
        if let node = fields.present("apiVersion"), let version = context.string(node, at: "apiVersion"), version != Self.apiVersion {
            context.error(node, "apiVersion", "unsupported apiVersion '\(version)'; write \(Self.apiVersion)")
        }
        let kind = fields.present("kind").flatMap { context.choice($0, at: "kind", as: ResourceKind.self) }
        var references = ReferenceCollector()
        let errorsBefore = context.diagnostics.count
        let metadataNode = fields.present("metadata")
        let metadata = metadataNode.flatMap { ResourceMetadata.decode($0, context: context, references: &references) }
        guard let kind else { return .unidentified }
        let lifecycle = fields.present("lifecycle").map { Lifecycle.decode($0, kind: kind, context: context) } ?? Lifecycle()
        let spec = fields.present("spec").flatMap { ResourceSpec.decode($0, kind: kind, context: context, references: &references) }
        guard let metadata, let metadataNode else { return .unidentified }
        let id = ResourceID(kind, metadata.name)
        guard let spec, context.diagnostics.count == errorsBefore else {
            return .rejected(RejectedResource(id: id, references: references.references))
        }
        var specFieldLocations: [String: SourceLocation] = [:]
        if case .mapping(let pairs)? = fields.present("spec")?.content {
            for (key, value) in pairs { if let name = key.scalarText { specFieldLocations[name] = value.location } }
        }
        return .valid(Resource(
            id: id, metadata: metadata, lifecycle: lifecycle, spec: spec,
            location: metadataNode.location, references: references.references, specFieldLocations: specFieldLocations))
    }
}
