/// A machine of a cluster that the provider knows: from the state when the provider is
/// set up, and from the machines it creates.
public struct ClusterMember: Sendable, Hashable {
    /// The provider's id of the machine.
    public var providerID: String
    /// The machine's name, which is its node name.
    public var name: String
    /// The cluster's name.
    public var cluster: String
    /// Whether it is a control-plane machine.
    public var isControlPlane: Bool
    /// Its address, empty when unknown.
    public var address: String

    /// Creates a member.
    public init(providerID: String, name: String, cluster: String, isControlPlane: Bool, address: String) {
        self.providerID = providerID
        self.name = name
        self.cluster = cluster
        self.isControlPlane = isControlPlane
        self.address = address
    }

    /// Its Kubernetes API server (a control-plane machine's): `https://ADDRESS:6443`.
    public var apiEndpoint: String { Self.apiEndpoint(address: address) }

    /// The API server at `address`, brackets around an IPv6 address.
    public static func apiEndpoint(address: String) -> String {
        "https://\(address.contains(":") ? "[\(address)]" : address):6443"
    }

    /// The member a machine's labels describe; nil when it is no cluster's machine.
    public init?(providerID: String, name: String, labels: [String: String], address: String) {
        guard let cluster = labels[ClusterLabels.cluster] else { return nil }
        self.init(providerID: providerID, name: name, cluster: cluster, isControlPlane: labels[ClusterLabels.role] == ClusterLabels.controlPlane, address: address)
    }
}

/// The cluster machines the providers know, shared by every provider of an apply (a
/// bare-metal worker on a Redfish provider joins a control plane on a libvirt provider).
public actor ClusterDirectory {
    private var members: [String: ClusterMember]

    /// A directory of these members (from the state).
    public init(_ members: [ClusterMember]) {
        self.members = Dictionary(members.map { ($0.providerID, $0) }, uniquingKeysWith: { _, last in last })
    }

    func member(_ providerID: String) -> ClusterMember? { members[providerID] }

    func add(_ member: ClusterMember) { members[member.providerID] = member }

    func remove(_ providerID: String) { members[providerID] = nil }

    /// The cluster's control-plane machines, in name order.
    func controlPlanes(of cluster: String) -> [ClusterMember] {
        members.values.filter { $0.cluster == cluster && $0.isControlPlane }.sorted { $0.name < $1.name }
    }
}
