public import ContinuumController
public import Hummingbird
public import Logging
public import Prometheus
import NIOCore

/// The controller's main HTTP server (Hummingbird): health and readiness probes, Prometheus
/// metrics, the status and resources API and `POST /api/v1/reconcile`. The webhooks are
/// served by `WebhookServer` on a listener of their own. A `Service` to run next to the
/// controller in one service group.
public struct ControllerServer: Sendable {
    /// Where it listens and who may use the API.
    public struct Options: Sendable {
        /// The address, timeouts and connection cap.
        public let listener: HTTPListener
        /// Who may use the API on that listener.
        public let access: APIAccess

        /// Creates options for `listener`, with the API's read and write tokens (the files'
        /// contents) when there are any.
        /// - Throws: `ServerConfigurationError` when a limit is out of range, or the tokens
        ///   are refused (see `APIAccess`): none on a listener that is not loopback, an
        ///   empty one, or the same token for both roles.
        public init(listener: HTTPListener, readToken: String? = nil, writeToken: String? = nil) throws(ServerConfigurationError) {
            try listener.validate()
            self.listener = listener
            self.access = try APIAccess(readToken: readToken, writeToken: writeToken, listenHost: listener.host)
        }
    }

    /// The controller served.
    public let controller: Controller
    /// The registry `/metrics` shows; the listener's connection counts go there too.
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
        ControllerRoutes(controller: controller, registry: registry, access: options.access).add(to: router)
        return options.listener.application(router: router, registry: registry, logger: logger, onRunning: onRunning)
    }
}
