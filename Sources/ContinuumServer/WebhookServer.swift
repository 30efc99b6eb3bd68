public import ContinuumController
public import Hummingbird
public import Logging
public import Prometheus
import NIOCore

/// The webhook receivers on a listener of their own (`--webhook-listen`), the one meant to
/// face the Git host: `POST /hooks/github`, `/hooks/gitlab` and `/hooks/generic`, and
/// nothing else. A `Service` to run next to the controller and `ControllerServer`.
public struct WebhookServer: Sendable {
    /// Where it listens and how it checks webhooks.
    public struct Options: Sendable {
        /// The address, timeouts and connection cap.
        public var listener: HTTPListener
        /// The webhook secret; without one the receivers answer 403.
        public var secret: String?
        /// The largest request body accepted, in bytes (default 1 MiB; GitHub's limit is 25 MiB of
        /// payload but pushes are far smaller).
        public var maximumBodySize: Int

        /// Creates options.
        /// - Throws: `ServerConfigurationError` when a limit of `listener` is out of range.
        public init(listener: HTTPListener, secret: String?, maximumBodySize: Int = 1 << 20) throws(ServerConfigurationError) {
            try listener.validate()
            self.listener = listener
            self.secret = secret
            self.maximumBodySize = maximumBodySize
        }
    }

    /// The controller the webhooks trigger.
    public let controller: Controller
    /// Where the listener's connection counts go.
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
        let receiver = WebhookReceiver(controller: controller, secret: options.secret, maximumBodySize: options.maximumBodySize)
        router.post("hooks/:host") { request, context in await receiver.receive(request, host: context.parameters.get("host") ?? "") }
        return options.listener.application(router: router, registry: registry, logger: logger, onRunning: onRunning)
    }
}
