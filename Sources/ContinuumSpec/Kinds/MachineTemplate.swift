/// The shape of a machine a Kubernetes cluster creates: control-plane and pool machines.
public struct MachineTemplate: Sendable, Hashable {
    /// vCPUs, 1...512.
    public var cpu: Int
    /// Memory.
    public var memory: Quantity
    /// The image name or URL.
    public var image: String

    static func decode(_ node: YAMLNode, at path: FieldPath, context: DecodingContext) -> MachineTemplate? {
        guard let fields = context.fields(of: node, at: path, allowed: ["cpu", "memory", "image"], required: ["cpu", "memory", "image"]) else {
            return nil
        }
        let cpu = fields.present("cpu").flatMap { context.integer($0, at: path.appending("cpu"), in: 1...512) }
        let memory = fields.present("memory").flatMap { context.quantity($0, at: path.appending("memory")) }
        let image = fields.present("image").flatMap { context.string($0, at: path.appending("image")) }
        guard let cpu, let memory, let image else { return nil }
        return MachineTemplate(cpu: cpu, memory: memory, image: image)
    }

    /// The canonical value.
    public var fieldValue: FieldValue {
        .object([("cpu", .integer(cpu)), ("memory", .quantity(memory)), ("image", .string(image))])
    }
}
