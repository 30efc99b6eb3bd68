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
    /// On the control-plane machine that starts the cluster (`cluster-init`), the
    /// `write_files` entries of the cluster's CAs that Continuum generated (k3s custom CA
    /// certificates, in place before k3s first starts); removed on every other machine,
    /// which gets the CAs from the cluster.
    case certificateAuthorities = "{{continuum.certificateAuthorities}}"
}
