import ContinuumSpec

/// Everything the controller's resource counts depend on: while it is unchanged, a
/// reconcile skips recounting 100,000 resources.
struct ResourceCountInputs: Hashable {
    var serial: Int64
    var lineage: String?
    var commit: String?
    var drifted: Set<ResourceID>
    var failed: Set<ResourceID>
}
