/// The `spec` of a resource, typed by its kind.
public enum ResourceSpec: Sendable, Hashable {
    /// A provider's spec.
    case provider(ProviderSpec)
    /// A network's spec.
    case network(NetworkSpec)
    /// A virtual machine's spec.
    case virtualMachine(VirtualMachineSpec)
    /// A bare-metal node's spec.
    case bareMetalNode(BareMetalNodeSpec)
    /// A Kubernetes cluster's spec.
    case kubernetesCluster(KubernetesClusterSpec)

    /// The name of the `Provider` the resource lives on; nil for a provider itself.
    public var providerName: String? {
        switch self {
        case .provider: nil
        case .network(let spec): spec.provider
        case .virtualMachine(let spec): spec.provider
        case .bareMetalNode(let spec): spec.provider
        case .kubernetesCluster(let spec): spec.provider
        }
    }

    /// The canonical value of the spec, which the planner diffs and the state records.
    public var fieldValue: FieldValue {
        switch self {
        case .provider(let spec): spec.fieldValue
        case .network(let spec): spec.fieldValue
        case .virtualMachine(let spec): spec.fieldValue
        case .bareMetalNode(let spec): spec.fieldValue
        case .kubernetesCluster(let spec): spec.fieldValue
        }
    }

    static func decode(_ node: YAMLNode, kind: ResourceKind, context: DecodingContext, references: inout ReferenceCollector) -> ResourceSpec? {
        let (allowed, required): ([String], [String]) =
            switch kind {
            case .provider: (ProviderSpec.fields, ["type"])
            case .network: (NetworkSpec.fields, ["provider", "cidr"])
            case .virtualMachine: (VirtualMachineSpec.fields, VirtualMachineSpec.required)
            case .bareMetalNode: (BareMetalNodeSpec.fields, BareMetalNodeSpec.required)
            case .kubernetesCluster: (KubernetesClusterSpec.fields, KubernetesClusterSpec.required)
            }
        guard let fields = context.fields(of: node, at: "spec", allowed: allowed, required: required) else { return nil }
        switch kind {
        case .provider: return ProviderSpec.decode(fields, context: context, references: &references).map(ResourceSpec.provider)
        case .network: return NetworkSpec.decode(fields, context: context, references: &references).map(ResourceSpec.network)
        case .virtualMachine:
            return VirtualMachineSpec.decode(fields, context: context, references: &references).map(ResourceSpec.virtualMachine)
        case .bareMetalNode:
            return BareMetalNodeSpec.decode(fields, context: context, references: &references).map(ResourceSpec.bareMetalNode)
        case .kubernetesCluster:
            return KubernetesClusterSpec.decode(fields, context: context, references: &references).map(ResourceSpec.kubernetesCluster)
        }
    }

    /// Reads `spec.provider` (a provider's name) and records its edge.
    static func decodeProvider(_ fields: MappingFields, context: DecodingContext, references: inout ReferenceCollector) -> String? {
        guard let node = fields.present("provider") else { return nil }
        if let text = node.scalarText, text.hasPrefix("Provider/") {
            context.error(node, "spec.provider", "write the provider's name without the kind: '\(text.dropFirst("Provider/".count))'")
            return nil
        }
        guard let name = context.name(node, at: "spec.provider") else { return nil }
        references.add(ResourceID(.provider, name), .provider, at: node.location)
        return name
    }
}
