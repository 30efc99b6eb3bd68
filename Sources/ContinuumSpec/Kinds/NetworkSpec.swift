/// `kind: Network`: an L2/L3 network on a provider.
public struct NetworkSpec: Sendable, Hashable {
    /// The `Provider` it lives on.
    public var provider: String
    /// Its address range.
    public var cidr: CIDR
    /// Its VLAN id, 1...4094.
    public var vlan: Int?

    static let fields = ["provider", "cidr", "vlan"]

    static func decode(_ fields: MappingFields, context: DecodingContext, references: inout ReferenceCollector) -> NetworkSpec? {
        let path: FieldPath = "spec"
        let provider = ResourceSpec.decodeProvider(fields, context: context, references: &references)
        let cidr = fields.present("cidr").flatMap { context.cidr($0, at: path.appending("cidr")) }
        let vlan = fields.present("vlan").flatMap { context.integer($0, at: path.appending("vlan"), in: 1...4094) }
        guard let provider, let cidr else { return nil }
        return NetworkSpec(provider: provider, cidr: cidr, vlan: vlan)
    }

    /// The canonical value of the spec.
    public var fieldValue: FieldValue {
        .object([("provider", .string(provider)), ("cidr", .string(cidr.text)), ("vlan", vlan.map(FieldValue.integer))])
    }
}
