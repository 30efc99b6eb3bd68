/// Labels Continuum puts on the resources it generates (a cluster's machines), which the
/// planner reads to order their operations: the members of one rollout group are
/// replaced one at a time, each new member before the old one it replaces is removed.
/// They are reserved: a spec cannot set labels under `continuum.dev/`.
public enum RolloutLabels {
    /// The group whose members roll one at a time, for example `KubernetesCluster/k8s`.
    public static let group = "continuum.dev/rollout-group"
    /// The member's position in the group's rollout, a whole number.
    public static let order = "continuum.dev/rollout-order"
    /// `"true"` on members that are always created one at a time, before the others of
    /// their group (a cluster's control plane).
    public static let serial = "continuum.dev/rollout-serial"
    /// The prefix of every reserved label.
    public static let reservedPrefix = "continuum.dev/"
}
