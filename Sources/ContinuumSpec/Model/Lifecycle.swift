/// A resource's `lifecycle` block: guards and replacement order.
public struct Lifecycle: Sendable, Hashable, Codable {
    /// A plan that would delete or replace the resource fails.
    public var preventDestroy: Bool
    /// On replace, create the new one before deleting the old one. Nil when not written:
    /// then a provider move is create-before-destroy and any other replace is not.
    public var createBeforeDestroy: Bool?
    /// Field paths whose drift and spec changes never cause an update.
    public var ignoreChanges: [FieldPath]

    /// Creates a lifecycle; the defaults are all off.
    public init(preventDestroy: Bool = false, createBeforeDestroy: Bool? = nil, ignoreChanges: [FieldPath] = []) {
        self.preventDestroy = preventDestroy
        self.createBeforeDestroy = createBeforeDestroy
        self.ignoreChanges = ignoreChanges
    }

    static func decode(_ node: YAMLNode, kind: ResourceKind, context: DecodingContext) -> Lifecycle {
        var lifecycle = Lifecycle()
        let path: FieldPath = "lifecycle"
        guard let fields = context.fields(of: node, at: path, allowed: ["preventDestroy", "createBeforeDestroy", "ignoreChanges"]) else {
            return lifecycle
        }
        if let value = fields.present("preventDestroy") {
            lifecycle.preventDestroy = context.boolean(value, at: path.appending("preventDestroy")) ?? false
        }
        if let value = fields.present("createBeforeDestroy") {
            lifecycle.createBeforeDestroy = context.boolean(value, at: path.appending("createBeforeDestroy"))
        }
        if let value = fields.present("ignoreChanges") {
            let listPath = path.appending("ignoreChanges")
            for (index, item) in (context.items(of: value, at: listPath) ?? []).enumerated() {
                guard let text = context.string(item, at: listPath.appending(index: index)) else { continue }
                let pieces = text.split(separator: ".", maxSplits: 2).map(String.init)
                let field = pieces.count > 1 ? pieces[1].prefix { $0 != "[" } : ""
                guard pieces.first == "spec", kind.specFields.contains(String(field)) else {
                    let hint = NameSuggester.hint(for: text, in: kind.specFields.map { "spec.\($0)" })
                    context.error(item, listPath.appending(index: index), "'\(text)' is not a field of a \(kind.rawValue)\(hint); write a path such as spec.\(kind.specFields.last ?? "field")")
                    continue
                }
                lifecycle.ignoreChanges.append(FieldPath(text))
            }
        }
        return lifecycle
    }
}
