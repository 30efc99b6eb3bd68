public import AsyncHTTPClient
import NIOCore
import NIOSSL
import Synchronization

/// The HTTP clients of the providers that speak HTTP (Redfish, OpenNebula): one per TLS
/// setting, kept for the life of the process (an `HTTPClient` must be shut down before it
/// is freed). They never follow a redirect, since credentials would go wherever the
/// Location points, and a refused connection fails the call at once: the executor retries
/// it with backoff, not the client until the call's deadline.
public enum ProviderHTTPClients {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// The client that trusts `caFile` (nil: the system's roots), or that verifies no
    /// certificate when `skipVerify`. The caller checks that `caFile` is readable, so that
    /// its error names its own setting.
    public static func client(caFile: String?, skipVerify: Bool = false) -> HTTPClient {
        clients.withLock { clients in
            let key = "\(skipVerify)|\(caFile ?? "")"
            if let client = clients[key] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            if skipVerify { tls.certificateVerification = .none }
            if let caFile { tls.trustRoots = .file(caFile) }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(10)))
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.redirectConfiguration = .disallow
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }
}
