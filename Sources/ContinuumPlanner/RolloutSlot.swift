import ContinuumSpec

/// Where a generated resource stands in its group's rollout, read from its
/// `RolloutLabels` (on the resource for creates, on its record for deletes).
struct RolloutSlot: Sendable, Hashable {
    /// The group, for example `KubernetesCluster/k8s`.
    var group: String
    /// The position in the group's rollout.
    var order: Int
    /// Whether it is created one at a time before the rest of the group.
    var serial: Bool

    /// The slot the labels describe; nil when they name no group.
    init?(labels: [String: String]) {
        guard let group = labels[RolloutLabels.group] else { return nil }
        self.group = group
        self.order = labels[RolloutLabels.order].flatMap(Int.init) ?? 0
        self.serial = labels[RolloutLabels.serial] == "true"
    }
}
