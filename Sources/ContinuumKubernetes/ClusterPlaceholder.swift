/// The placeholders in a cluster machine's generated cloud-init that are filled in only
/// when the machine is created, by the provider: the tokens (so they never appear in a
/// plan, a log or the state) and how the machine joins (which depends on which
/// control-plane machines are running then).
public enum ClusterPlaceholder: String, Sendable, CaseIterable {
    /// The cluster's join token, a generated secret.
    case joinToken = "{{continuum.joinToken}}"
    /// The bearer token Continuum uses to check readiness and drain nodes, a generated secret.
    case apiToken = "{{continuum.apiToken}}"
    /// `cluster-init: true` on the first control-plane machine of a new cluster, else
    /// `server: "https://ADDRESS:6443"` naming a running control-plane machine.
    case join = "{{continuum.join}}"
}
