/// `kind: BareMetalNode`: a physical server provisioned through its BMC.
public struct BareMetalNodeSpec: Sendable, Hashable {
    /// The `Provider` (redfish or sim) that manages it.
    public var provider: String
    /// The BMC's system resource, such as `/redfish/v1/Systems/437XR1138R2`.
    public var systemId: InterpolatedString
    /// The image installed by virtual-media boot.
    public var image: InterpolatedString
    /// The firmware boot mode.
    public var bootMode: BootMode
    /// Whether it should be powered on.
    public var power: PowerState
    /// Cloud-init user data handed to the node as a second virtual medium. Not written in
    /// specs: Continuum sets it when a cluster's node pool selects the node (its k3s agent
    /// configuration), and a change re-provisions the node.
    public var userData: InterpolatedString?
    /// The `KubernetesCluster` (by name, in the same repository) this node agrees to join:
    /// a cluster's node pool takes a node only if the node names that cluster here, so a
    /// cluster written by someone else cannot capture it by its labels. A plain name, not
    /// a reference: the cluster's machines already depend on the node, so a reference
    /// back would be a dependency cycle.
    public var cluster: String?

    static let fields = ["provider", "systemId", "image", "bootMode", "power", "cluster"]
    static let required = ["provider", "systemId", "image"]

    static func decode(_ fields: MappingFields, context: DecodingContext, references: inout ReferenceCollector) -> BareMetalNodeSpec? {
        let path: FieldPath = "spec"
        let provider = ResourceSpec.decodeProvider(fields, context: context, references: &references)
        func template(_ key: String) -> InterpolatedString? {
            guard let node = fields.present(key), let value = context.template(node, at: path.appending(key)) else { return nil }
            references.add(value, at: path.appending(key), node: node)
            return value
        }
        let systemId = template("systemId")
        let image = template("image")
        let bootMode = fields.present("bootMode").map { context.choice($0, at: path.appending("bootMode"), as: BootMode.self) } ?? .uefi
        let power = fields.present("power").map { context.choice($0, at: path.appending("power"), as: PowerState.self) } ?? .on
        let cluster = fields.present("cluster").flatMap { context.name($0, at: path.appending("cluster")) }
        guard let provider, let systemId, let image, let bootMode, let power else { return nil }
        var spec = BareMetalNodeSpec(provider: provider, systemId: systemId, image: image, bootMode: bootMode, power: power)
        spec.cluster = cluster
        return spec
    }

    /// The canonical value of the spec.
    public var fieldValue: FieldValue {
        .object([
            ("provider", .string(provider)),
            ("systemId", FieldValue(template: systemId)),
            ("image", FieldValue(template: image)),
            ("bootMode", .string(bootMode.rawValue)),
            ("power", .string(power.rawValue)),
            ("cluster", cluster.map(FieldValue.string)),
            ("userData", userData.map { FieldValue(template: $0) }),
        ])
    }
}
