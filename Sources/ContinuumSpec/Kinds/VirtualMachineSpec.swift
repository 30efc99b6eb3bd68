/// `kind: VirtualMachine`.
public struct VirtualMachineSpec: Sendable, Hashable {
    /// The `Provider` it runs on.
    public var provider: String
    /// vCPUs, 1...512.
    public var cpu: Int
    /// Memory.
    public var memory: Quantity
    /// The image name or URL.
    public var image: InterpolatedString
    /// Extra disks, by size.
    public var disks: [Quantity]
    /// The networks it is attached to.
    public var networks: [ResourceID]
    /// Optional cloud-init user data.
    public var userData: InterpolatedString?
    /// Whether it should be running.
    public var power: PowerState

    /// Creates a spec (for resources Continuum generates, such as a cluster's machines).
    public init(provider: String, cpu: Int, memory: Quantity, image: InterpolatedString, disks: [Quantity] = [], networks: [ResourceID] = [], userData: InterpolatedString? = nil, power: PowerState = .on) {
        self.provider = provider
        self.cpu = cpu
        self.memory = memory
        self.image = image
        self.disks = disks
        self.networks = networks
        self.userData = userData
        self.power = power
    }

    static let fields = ["provider", "cpu", "memory", "image", "disks", "networks", "userData", "power"]
    static let required = ["provider", "cpu", "memory", "image"]

    static func decode(_ fields: MappingFields, context: DecodingContext, references: inout ReferenceCollector) -> VirtualMachineSpec? {
        let path: FieldPath = "spec"
        let provider = ResourceSpec.decodeProvider(fields, context: context, references: &references)
        let cpu = fields.present("cpu").flatMap { context.integer($0, at: path.appending("cpu"), in: 1...512) }
        let memory = fields.present("memory").flatMap { context.quantity($0, at: path.appending("memory")) }
        let image = fields.present("image").flatMap { node in
            context.template(node, at: path.appending("image")).map { template in
                references.add(template, at: path.appending("image"), node: node)
                return template
            }
        }
        var disks: [Quantity] = []
        if let node = fields.present("disks") {
            for (index, item) in (context.items(of: node, at: path.appending("disks")) ?? []).enumerated() {
                let diskPath = path.appending("disks").appending(index: index)
                guard let disk = context.fields(of: item, at: diskPath, allowed: ["size"], required: ["size"]),
                    let size = disk.present("size").flatMap({ context.quantity($0, at: diskPath.appending("size")) })
                else { continue }
                disks.append(size)
            }
        }
        var networks: [ResourceID] = []
        if let node = fields.present("networks") {
            for (index, item) in (context.items(of: node, at: path.appending("networks")) ?? []).enumerated() {
                guard let id = context.reference(item, at: path.appending("networks").appending(index: index), kinds: [.network]) else { continue }
                networks.append(id)
                references.add(id, .field(path.appending("networks")), at: item.location)
            }
        }
        var userData: InterpolatedString?
        if let node = fields.present("userData") {
            userData = context.template(node, at: path.appending("userData"))
            if let userData { references.add(userData, at: path.appending("userData"), node: node) }
        }
        let power = fields.present("power").map { context.choice($0, at: path.appending("power"), as: PowerState.self) } ?? .on
        guard let provider, let cpu, let memory, let image, let power else { return nil }
        return VirtualMachineSpec(provider: provider, cpu: cpu, memory: memory, image: image, disks: disks, networks: networks, userData: userData, power: power)
    }

    /// The canonical value of the spec.
    public var fieldValue: FieldValue {
        .object([
            ("provider", .string(provider)),
            ("cpu", .integer(cpu)),
            ("memory", .quantity(memory)),
            ("image", FieldValue(template: image)),
            ("disks", .list(disks.map { .object([("size", .quantity($0))]) })),
            ("networks", .list(networks.map(FieldValue.reference))),
            ("userData", userData.map(FieldValue.init(template:))),
            ("power", .string(power.rawValue)),
        ])
    }
}
