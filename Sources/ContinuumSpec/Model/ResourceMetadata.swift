/// A resource's `metadata`: its name, labels, annotations and explicit dependencies.
public struct ResourceMetadata: Sendable, Hashable {
    /// The DNS-1123 name, unique per kind.
    public var name: String
    /// Labels, used by selectors such as a node pool's `matchLabels`.
    public var labels: [String: String]
    /// Free-form annotations.
    public var annotations: [String: String]
    /// Explicit ordering edges.
    public var dependsOn: [ResourceID]

    /// Creates metadata.
    public init(name: String, labels: [String: String] = [:], annotations: [String: String] = [:], dependsOn: [ResourceID] = []) {
        self.name = name
        self.labels = labels
        self.annotations = annotations
        self.dependsOn = dependsOn
    }

    static func decode(_ node: YAMLNode, context: DecodingContext, references: inout ReferenceCollector) -> ResourceMetadata? {
        let path: FieldPath = "metadata"
        guard let fields = context.fields(of: node, at: path, allowed: ["name", "labels", "annotations", "dependsOn"], required: ["name"]) else {
            return nil
        }
        let name = fields.present("name").flatMap { context.name($0, at: path.appending("name")) }
        var metadata = ResourceMetadata(name: name ?? "")
        if let labels = fields.present("labels") {
            metadata.labels = context.stringMap(labels, at: path.appending("labels"))
            for key in metadata.labels.keys.sorted() where key.hasPrefix(RolloutLabels.reservedPrefix) {
                context.error(labels, path.appending("labels"), "label '\(key)' is reserved: Continuum sets labels under \(RolloutLabels.reservedPrefix) on the resources it generates; choose another prefix")
            }
        }
        if let annotations = fields.present("annotations") {
            metadata.annotations = context.stringMap(annotations, at: path.appending("annotations"))
        }
        if let dependsOn = fields.present("dependsOn") {
            let listPath = path.appending("dependsOn")
            for (index, item) in (context.items(of: dependsOn, at: listPath) ?? []).enumerated() {
                guard let id = context.reference(item, at: listPath.appending(index: index), kinds: ResourceKind.allCases) else { continue }
                metadata.dependsOn.append(id)
                references.add(id, .dependsOn, at: item.location)
            }
        }
        return name == nil ? nil : metadata
    }
}
