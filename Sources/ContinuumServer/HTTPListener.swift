import Hummingbird
import Logging
import HummingbirdCore
import Foundation
import NIOCore
import Prometheus

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP listener and the limits that keep a flood of connections from starving the
/// process: an idle timeout, a timeout for a new connection's request head, and a cap on
/// connections open at once (beyond it, new connections are closed at once).
public struct HTTPListener: Sendable {
    /// The address to bind, such as `127.0.0.1`, `::1` or `0.0.0.0`.
    public var host: String
    /// The port; 0 picks a free one (the application's `onRunning` gets it).
    public var port: Int
    /// A connection that reads no request part for this long, and has no response in
    /// progress, is closed (`--http-idle-timeout`, default 60s).
    public var idleTimeout: Duration
    /// A new connection that has not sent a complete request head within this is closed
    /// (`--http-header-timeout`, default 10s).
    public var headerTimeout: Duration
    /// At most this many connections are open at once; beyond it a new connection is closed
    /// as soon as it is accepted (`--http-max-connections`, default 256).
    public var maximumConnections: Int
    /// The name in the `listener` label of the connection metrics: `api` or `webhooks`.
    public var name: String

    /// Creates a listener.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, idleTimeout: Duration = .seconds(60), headerTimeout: Duration = .seconds(10),
        maximumConnections: Int = 256, name: String = "api"
    ) {
        self.host = host
        self.port = port
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.maximumConnections = maximumConnections
        self.name = name
    }

    /// Whether only this host can connect: the host is an address in 127.0.0.0/8, `::1`
    /// (also as `::ffff:127.x.y.z`), or `localhost`.
    public var isLoopback: Bool {
        Self.isLoopback(host: host)
    }

    /// Checks the limits.
    /// - Throws: `ServerConfigurationError` (`.invalidLimit`) when a timeout is not positive
    ///   or the connection cap is below 1.
    public func validate() throws(ServerConfigurationError) {
        guard idleTimeout > .zero, headerTimeout > .zero else {
            throw ServerConfigurationError(.invalidLimit, message: "the \(name) listener's idle and header timeouts must be longer than zero",
                remedy: "give --http-idle-timeout and --http-header-timeout as durations such as 10s or 1m")
        }
        guard maximumConnections >= 1 else {
            throw ServerConfigurationError(.invalidLimit, message: "the \(name) listener must allow at least one connection",
                remedy: "give --http-max-connections 1 or more")
        }
    }

    /// Whether `host` can be reached only from this host.
    public static func isLoopback(host: String) -> Bool {
        let host = host.trimmingCharacters(in: ["[", "]"])
        if host.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        // An IPv4-mapped address, ::ffff:127.x.y.z.
        return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
    }

    /// The application's configuration: the address and the server's name.
    func configuration() -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: "continuum")
    }

    /// The Hummingbird application serving `router` on this listener, with its limits;
    /// `onRunning` gets the port it listens on once it does.
    func application(
        router: Router<BasicRequestContext>, registry: PrometheusCollectorRegistry, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let port = self.port
        return Application(
            router: router, server: server(registry: registry), configuration: configuration(),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// The HTTP/1 server with this listener's limits; its connections are counted in
    /// `registry` as `continuum_http_connections{listener}` and
    /// `continuum_http_connections_refused_total{listener}`.
    func server(registry: PrometheusCollectorRegistry) -> HTTPServerBuilder {
        let gate = ConnectionGate(limit: maximumConnections, listener: name, registry: registry)
        let idle = TimeAmount(idleTimeout)
        let header = TimeAmount(headerTimeout)
        return HTTPServerBuilder { responder in
            let http = HTTP1Channel(
                responder: responder,
                configuration: .init(additionalChannelHandlers: [HeaderTimeoutHandler(timeout: header)], idleTimeout: idle))
            return GatedHTTPChannel(base: http, gate: gate)
        }
    }
}
