/// One node as the cluster's API reports it.
public struct KubernetesNode: Sendable, Hashable {
    /// The node name (a Continuum machine's name).
    public var name: String
    /// Whether its `Ready` condition is `True`.
    public var isReady: Bool
    /// Whether it is cordoned.
    public var isUnschedulable: Bool

    /// Creates a node.
    public init(name: String, isReady: Bool, isUnschedulable: Bool = false) {
        self.name = name
        self.isReady = isReady
        self.isUnschedulable = isUnschedulable
    }
}

/// A pod to evict when a node is drained.
public struct PodReference: Sendable, Hashable {
    /// Its namespace.
    public var namespace: String
    /// Its name.
    public var name: String
}
