import Synchronization

/// The clusters' CAs read from the generated secrets, kept per cluster and role once read,
/// so that API calls do not read the secrets directory each time.
final class AuthorityCache: Sendable {
    private let authorities = Mutex<[String: ClusterCertificateAuthority]>([:])

    /// The CA of `role` for `cluster`, read (or made) by `load` the first time.
    func authority<E: Error>(_ cluster: String, _ role: ClusterCertificateAuthority.Role, load: () throws(E) -> ClusterCertificateAuthority) throws(E) -> ClusterCertificateAuthority {
        let key = "\(cluster)\u{0}\(role.rawValue)"
        if let cached = authorities.withLock({ $0[key] }) { return cached }
        let loaded = try load()
        authorities.withLock { $0[key] = loaded }
        return loaded
    }
}
