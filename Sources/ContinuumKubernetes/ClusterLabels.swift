/// The labels Continuum puts on a cluster's machines, besides the rollout labels: how the
/// provider knows a machine's cluster and role when it creates or removes it.
public enum ClusterLabels {
    /// The cluster's name.
    public static let cluster = "continuum.dev/cluster"
    /// `control-plane` or `worker`.
    public static let role = "continuum.dev/role"
    /// A worker's node pool.
    public static let pool = "continuum.dev/pool"

    /// The role of a control-plane machine (a k3s server).
    public static let controlPlane = "control-plane"
    /// The role of a worker machine (a k3s agent).
    public static let worker = "worker"
}
