/// One worker pool of a Kubernetes cluster: either `replicas` machines of a `machine`
/// shape, or the `BareMetalNode`s its `nodes.matchLabels` selects.
public struct NodePool: Sendable, Hashable {
    /// The pool's name, unique in the cluster.
    public var name: String
    /// How many machines, 0...1000, for a machine pool.
    public var replicas: Int?
    /// The machine shape, for a machine pool.
    public var machine: MachineTemplate?
    /// The labels a `BareMetalNode` must carry to join, for a bare-metal pool.
    public var matchLabels: [String: String]?

    static func decode(_ node: YAMLNode, at path: FieldPath, context: DecodingContext) -> NodePool? {
        guard let fields = context.fields(of: node, at: path, allowed: ["name", "replicas", "machine", "nodes"], required: ["name"]) else {
            return nil
        }
        let name = fields.present("name").flatMap { context.name($0, at: path.appending("name")) }
        var pool = NodePool(name: name ?? "")
        pool.replicas = fields.present("replicas").flatMap { context.integer($0, at: path.appending("replicas"), in: 0...1000) }
        pool.machine = fields.present("machine").flatMap { MachineTemplate.decode($0, at: path.appending("machine"), context: context) }
        if let nodes = fields.present("nodes"),
            let selector = context.fields(of: nodes, at: path.appending("nodes"), allowed: ["matchLabels"], required: ["matchLabels"]),
            let labels = selector.present("matchLabels")
        {
            pool.matchLabels = context.stringMap(labels, at: path.appending("nodes").appending("matchLabels"))
            if pool.matchLabels?.isEmpty == true {
                context.error(labels, path.appending("nodes").appending("matchLabels"), "an empty selector would match every node; name at least one label")
            }
        }
        let isMachinePool = fields["replicas"] != nil || fields["machine"] != nil
        switch (isMachinePool, fields["nodes"] != nil) {
        case (true, true):
            context.error(node, path, "a pool has either replicas and machine, or nodes, not both")
        case (false, false):
            context.error(node, path, "a pool needs replicas and machine (virtual machines), or nodes.matchLabels (bare-metal nodes)")
        case (true, false):
            if fields["replicas"] == nil { context.error(node, path, "missing required field 'replicas'") }
            if fields["machine"] == nil { context.error(node, path, "missing required field 'machine'") }
        case (false, true):
            break
        }
        return name == nil ? nil : pool
    }

    private init(name: String) {
        self.name = name
    }

    /// The canonical value.
    public var fieldValue: FieldValue {
        .object([
            ("name", .string(name)),
            ("replicas", replicas.map(FieldValue.integer)),
            ("machine", machine?.fieldValue),
            ("nodes", matchLabels.map { labels in .object([("matchLabels", .object(labels.map { ($0.key, .string($0.value)) }))]) }),
        ])
    }
}
