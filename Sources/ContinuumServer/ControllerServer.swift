public import ContinuumController
public import Hummingbird
public import Logging
public import Prometheus
import NIOCore

/// The controller's HTTP server (Hummingbird): health and readiness probes, Prometheus
/// metrics, the status and resources API, `POST /api/v1/reconcile`, and the webhook
/// receivers. A `Service` to run next to the controller in one service group.
public struct ControllerServer: Sendable {
    /// Where it listens and how it checks webhooks.
    public struct Options: Sendable {
        /// The address to bind, such as `127.0.0.1`.
        public var host: String
        /// The port; 0 picks a free one (see `onRunning`).
        public var port: Int
        /// The webhook secret; without one the receivers answer 403.
        public var webhookSecret: String?
        /// The largest request body accepted, in bytes (default 1 MiB; GitHub's limit is 25 MiB of
        /// payload but pushes are far smaller).
        public var maximumBodySize: Int

        /// Creates options.
        public init(host: String = "127.0.0.1", port: Int = 8080, webhookSecret: String? = nil, maximumBodySize: Int = 1 << 20) {
            self.host = host
            self.port = port
            self.webhookSecret = webhookSecret
            self.maximumBodySize = maximumBodySize
        }
    }

    /// The controller served.
    public let controller: Controller
    /// The registry `/metrics` shows.
    public let registry: PrometheusCollectorRegistry
    /// Where it listens.
    public let options: Options

    /// Creates a server.
    public init(controller: Controller, registry: PrometheusCollectorRegistry, options: Options) {
        self.controller = controller
        self.registry = registry
        self.options = options
    }

    /// The Hummingbird application; `onRunning` gets the port it listens on once it does.
    public func application(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        ControllerRoutes(controller: controller, registry: registry, options: options).add(to: router)
        return Application(
            router: router, configuration: .init(address: .hostname(options.host, port: options.port), serverName: "continuum"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) }, logger: logger)
    }
}
