import ArgumentParser
import ContinuumApply
import ContinuumController
import ContinuumEngine
import ContinuumGit
import ContinuumServer
import ContinuumSpec
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `continuum controller`: watch a Git repository and keep the world converged, with an
/// HTTP server for probes, metrics, status and webhooks.
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Watch a Git repository and keep the world converged to its specs.",
        discussion: """
            Every --interval it fetches the repository; a new commit is validated, planned and applied. \
            An invalid or refused commit changes nothing: the last good one stays applied and the status says why. \
            Every --drift-interval it also checks live state for drift and corrects it. SIGTERM lets in-flight \
            operations finish and exits 0. Status: GET /api/v1/status; metrics: GET /metrics.
            """
    )

    @OptionGroup var source: GitSourceArguments
    @Option(help: "How often to fetch the repository (Flux's default 1m).") var interval: String = "1m"
    @Option(help: "How often to check live state for drift when nothing else changed.") var driftInterval: String = "5m"
    @Flag(help: "Only report drift; do not correct it.") var noSelfHeal = false
    @Flag(help: "Leave resources that are gone from the spec in place.") var noPrune = false
    @Option(help: "Refuse a plan that deletes or replaces more than N resources.") var maxDestroy: Int?
    @Option(help: "The HTTP server's address, host:port.") var listen: String = "127.0.0.1:8080"
    @Option(help: "A file holding the webhook secret (HMAC key for GitHub and generic hooks, token for GitLab).") var webhookSecretFile: String?
    @Option(help: "Where the Git cache (bare clone and checkouts) lives.") var cacheDir: String = ".continuum/git"
    @Option(help: "At most this many provider operations at once.") var parallelism: Int = 10
    @Option(help: "How long the state lock lasts without renewal; a standby replica takes over after it.") var lockLease: String = "60s"
    @Option(help: "text or json (one JSON object a line).") var logFormat: String = "text"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"
    @OptionGroup var state: StateOptions
    @OptionGroup var simWorld: SimWorldOptions
    @OptionGroup var operatorOptions: OperatorOptions

    func validate() throws {
        for (name, value) in [("--interval", interval), ("--drift-interval", driftInterval), ("--lock-lease", lockLease)] {
            guard let duration = DurationText.parse(value), duration > .zero else {
                throw ValidationError("\(name) '\(value)' is not a duration; write it like 30s, 1m, 5m or 1h30m")
            }
        }
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format '\(logFormat)' is not text or json") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical") }
        _ = try ListenAddress(listen)
        if let maxDestroy, maxDestroy < 0 { throw ValidationError("--max-destroy must be 0 or more") }
        guard parallelism > 0 else { throw ValidationError("--parallelism must be at least 1") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let format = LogFormat(rawValue: logFormat) ?? .text
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "continuum.controller")
        let address = try ListenAddress(listen)
        let webhookSecret = try webhookSecretFile.map { try SecretFile.read($0, purpose: "webhook secret") }
        let options = try source.options(cacheDirectory: URL(fileURLWithPath: cacheDir))

        let registry = PrometheusCollectorRegistry()
        let metrics = ControllerMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let setup = try EngineSetup(state: state, simWorld: simWorld, operator: operatorOptions)
        let configuration = ControllerConfiguration(
            source: options, statePath: state.resolvedPath,
            interval: DurationText.parse(interval) ?? .seconds(60), driftInterval: DurationText.parse(driftInterval) ?? .seconds(300),
            selfHeal: !noSelfHeal, prune: !noPrune, maximumDestroys: maxDestroy, apply: ApplyOptions(parallelism: parallelism),
            lease: LeasePolicy(duration: DurationText.parse(lockLease) ?? .seconds(60)))
        let controller = Controller(configuration: configuration, catalog: setup.catalog, metrics: metrics, logger: logger)
        let server = ControllerServer(
            controller: controller, registry: registry,
            options: .init(host: address.host, port: address.port, webhookSecret: webhookSecret))
        let application = server.application(logger: Logger(label: "continuum.http")) { port in
            logger.info("listening", metadata: [
                "status": "http://\(address.host):\(port)/api/v1/status", "metrics": "http://\(address.host):\(port)/metrics",
            ])
        }
        // Shut down in reverse order: the controller finishes first, the server answers until then.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: application), .init(service: controller)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("the controller stopped: \(error)")
            throw ExitCode.failure
        }
    }
}
