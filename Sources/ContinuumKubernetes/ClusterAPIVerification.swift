/// How Continuum checks the TLS certificate of a cluster's Kubernetes API.
public enum ClusterAPIVerification: Sendable, Hashable {
    /// Trust exactly the server CA Continuum generated for the cluster and gave to k3s,
    /// and check that the certificate names the address connected to (the default).
    case pinned
    /// Do not verify: an operator's explicit choice (`reason` names the setting), said on
    /// standard error for every cluster client made so.
    case skipped(reason: String)
}
