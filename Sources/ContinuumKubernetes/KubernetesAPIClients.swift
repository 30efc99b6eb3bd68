import AsyncHTTPClient
import NIOCore
import NIOSSL
import Synchronization

/// The HTTP clients of the cluster APIs, one per trust (a cluster's server CA, or none),
/// made on first use and kept for the process: each verifies certificates against
/// exactly its CA.
final class KubernetesAPIClients: Sendable {
    /// The process's clients.
    static let shared = KubernetesAPIClients()

    private let clients = Mutex<[KubernetesAPIClient.Trust: HTTPClient]>([:])

    /// The client that trusts `trust`.
    /// - Throws: `KubernetesAPIError` when the CA certificate does not parse.
    func client(trusting trust: KubernetesAPIClient.Trust, endpoint: String) async throws(KubernetesAPIError) -> HTTPClient {
        if let existing = clients.withLock({ $0[trust] }) { return existing }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch trust {
        case .certificateAuthority(let pem):
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
            } catch {
                throw KubernetesAPIError(endpoint: endpoint, message: "the cluster's server CA certificate does not parse (\(error)); remove its generated secret files to make a new CA, which a running cluster will not accept", isTrustFailure: true)
            }
            tls.certificateVerification = .fullVerification
        case .unverified:
            tls.certificateVerification = .none
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(5)))
        configuration.connectionPool.retryConnectionEstablishment = false
        // A redirect would carry the bearer token elsewhere: never followed.
        configuration.redirectConfiguration = .disallow
        let fresh = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let (client, spare) = clients.withLock { clients -> (HTTPClient, HTTPClient?) in
            if let existing = clients[trust] { return (existing, fresh) }
            clients[trust] = fresh
            return (fresh, nil)
        }
        // A client made at the same time by another caller: shut down off the lock, without
        // blocking the caller's thread.
        try? await spare?.shutdown()
        return client
    }
}
