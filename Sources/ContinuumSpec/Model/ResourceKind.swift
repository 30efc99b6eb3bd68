/// The kinds of resource spec-v1 defines.
public enum ResourceKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// A provider: a site and vendor that resources are placed on. Configuration, not infrastructure.
    case provider = "Provider"
    /// An L2/L3 network.
    case network = "Network"
    /// A virtual machine.
    case virtualMachine = "VirtualMachine"
    /// A physical server managed through its BMC.
    case bareMetalNode = "BareMetalNode"
    /// A Kubernetes cluster.
    case kubernetesCluster = "KubernetesCluster"

    /// The names of the outputs a resource of this kind has once it exists.
    public var outputs: [String] {
        switch self {
        case .provider: []
        case .network: ["id", "gateway"]
        case .virtualMachine: ["id", "ipAddress", "state"]
        case .bareMetalNode: ["id", "powerState", "provisioned"]
        case .kubernetesCluster: ["id", "apiEndpoint", "version", "readyNodes"]
        }
    }

    /// Field paths whose change forces a replace (a prefix matches its sub-paths).
    /// `KubernetesCluster`'s conditional rules (control-plane size, versions) are the planner's.
    public var immutableFields: [FieldPath] {
        switch self {
        case .provider: []
        case .network: ["spec.cidr", "spec.provider"]
        case .virtualMachine: ["spec.image", "spec.disks", "spec.provider"]
        case .bareMetalNode: ["spec.systemId", "spec.provider", "spec.image", "spec.userData"]
        case .kubernetesCluster: ["spec.provider", "spec.network"]
        }
    }

    /// The top-level `spec` fields this kind accepts, for `ignoreChanges` checks and hints.
    public var specFields: [String] {
        switch self {
        case .provider: ["type", "site", "config", "credentials", "limits"]
        case .network: ["provider", "cidr", "vlan"]
        case .virtualMachine: ["provider", "cpu", "memory", "image", "disks", "networks", "userData", "power"]
        case .bareMetalNode: ["provider", "systemId", "image", "bootMode", "power"]
        case .kubernetesCluster: ["provider", "version", "network", "controlPlane", "nodePools"]
        }
    }

    public static func < (lhs: ResourceKind, rhs: ResourceKind) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
