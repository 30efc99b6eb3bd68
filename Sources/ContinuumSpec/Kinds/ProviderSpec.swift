/// `kind: Provider`: a site and vendor that other resources are placed on.
public struct ProviderSpec: Sendable, Hashable {
    /// Operation limits on one provider.
    public struct Limits: Sendable, Hashable {
        /// At most this many operations in flight.
        public var concurrency: Int?
        /// At most this many requests a second.
        public var requestsPerSecond: Double?
    }

    /// Which implementation serves it.
    public var type: ProviderType
    /// The operator's connection it uses (endpoint, credentials, program), by name: the
    /// spec describes, the operator's configuration decides where and how to connect.
    public var connection: String?
    /// A free-form location label.
    public var site: InterpolatedString?
    /// Type-specific settings, validated by the provider implementation.
    public var config: FieldValue
    /// Credentials, each a secret reference.
    public var credentials: [String: SecretReference]
    /// Operation limits.
    public var limits: Limits

    static let fields = ["type", "connection", "site", "config", "credentials", "limits"]

    static func decode(_ fields: MappingFields, context: DecodingContext, references: inout ReferenceCollector) -> ProviderSpec? {
        let path: FieldPath = "spec"
        let type = fields.present("type").flatMap { context.choice($0, at: path.appending("type"), as: ProviderType.self) }
        var spec = ProviderSpec(type: type ?? .sim, connection: nil, site: nil, config: .map([]), credentials: [:], limits: Limits())
        if let node = fields.present("connection") { spec.connection = context.name(node, at: path.appending("connection")) }
        if let node = fields.present("site") {
            spec.site = context.template(node, at: path.appending("site"))
            if let site = spec.site { references.add(site, at: path.appending("site"), node: node) }
        }
        if let node = fields.present("config") {
            spec.config = freeForm(node, at: path.appending("config"), context: context, references: &references)
        }
        if let node = fields.present("credentials"), let credentials = context.anyFields(of: node, at: path.appending("credentials")) {
            for (key, value) in credentials.entries {
                if let secret = context.secret(value, at: path.appending("credentials").appending(key)) { spec.credentials[key] = secret }
            }
        }
        if let node = fields.present("limits"),
            let limits = context.fields(of: node, at: path.appending("limits"), allowed: ["concurrency", "requestsPerSecond"])
        {
            spec.limits.concurrency = limits.present("concurrency").flatMap {
                context.integer($0, at: path.appending("limits").appending("concurrency"), in: 1...10_000)
            }
            spec.limits.requestsPerSecond = limits.present("requestsPerSecond").flatMap {
                context.positiveNumber($0, at: path.appending("limits").appending("requestsPerSecond"))
            }
        }
        return type == nil ? nil : spec
    }

    /// Reads provider `config` without a schema: scalars as strings (with interpolation), lists, maps.
    static func freeForm(_ node: YAMLNode, at path: FieldPath, context: DecodingContext, references: inout ReferenceCollector) -> FieldValue {
        switch node.content {
        case .scalar:
            guard let template = context.template(node, at: path) else { return .string("") }
            references.add(template, at: path, node: node)
            return template.literalValue.map(FieldValue.string) ?? .template(template)
        case .sequence(let items):
            return .list(items.enumerated().map { freeForm($1, at: path.appending(index: $0), context: context, references: &references) })
        case .mapping:
            guard let fields = context.anyFields(of: node, at: path) else { return .map([]) }
            return .object(fields.entries.map { ($0.key, freeForm($0.value, at: path.appending($0.key), context: context, references: &references)) })
        }
    }

    /// The canonical value of the spec.
    public var fieldValue: FieldValue {
        .object([
            ("type", .string(type.rawValue)),
            ("connection", connection.map(FieldValue.string)),
            ("site", site.map(FieldValue.init(template:))),
            ("config", config),
            ("credentials", credentials.isEmpty ? nil : .object(credentials.map { ($0.key, .secret($0.value)) })),
            ("limits", .object([
                ("concurrency", limits.concurrency.map(FieldValue.integer)),
                ("requestsPerSecond", limits.requestsPerSecond.map(FieldValue.number)),
            ])),
        ])
    }
}

extension FieldValue {
    /// A string value: `.string` when it has no interpolations, else `.template`.
    public init(template: InterpolatedString) {
        self = template.literalValue.map(FieldValue.string) ?? .template(template)
    }
}
