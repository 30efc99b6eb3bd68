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
/// HTTP server for probes, metrics, status and the API, and another for webhooks.
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Watch a Git repository and keep the world converged to its specs.",
        discussion: """
            Every --interval it fetches the repository; a new commit is validated, planned and applied. \
            An invalid or refused commit changes nothing: the last good one stays applied and the status says why. \
            Every --drift-interval it also checks live state for drift and corrects it. A webhook or `continuum \
            reconcile` makes it fetch sooner (coalesced, and not before a backoff after failures ends); it reconciles \
            only if there is a new commit or a drift check or retry is due. SIGTERM lets in-flight operations finish \
            and exits 0.

            --listen serves GET /healthz and /readyz (open), GET /metrics (open on a loopback address, else it needs \
            an API token) and the API: GET /api/v1/status and /api/v1/resources (read token), POST /api/v1/reconcile \
            (write token). Without a token file the API answers only on a loopback address: a --listen that is not \
            loopback is refused without one. Webhooks (/hooks/github, /hooks/gitlab, /hooks/generic) are served only \
            on --webhook-listen, and only there; without it they are not served at all.

            Every option can also come from the environment: CONTINUUM_ and the option's name in capitals, dashes as \
            underscores (CONTINUUM_REPO, CONTINUUM_DRIFT_INTERVAL, CONTINUUM_LOG_FORMAT, ...); CONTINUUM_SELF_HEAL=false \
            and CONTINUUM_PRUNE=false stand for --no-self-heal and --no-prune; --state, --secrets-dir, --sim-world and \
            --config read CONTINUUM_STATE, CONTINUUM_SECRETS_DIR, CONTINUUM_SIM_WORLD and CONTINUUM_CONFIG. An option on \
            the command line wins over its variable, and a variable (unless empty) over the default.
            """
    )

    @OptionGroup var source: GitSourceArguments
    @Option(help: "How often to fetch the repository (Flux's default 1m).") var interval: String = "1m"
    @Option(help: "How often to check live state for drift when nothing else changed.") var driftInterval: String = "5m"
    @Flag(help: "Only report drift; do not correct it.") var noSelfHeal = false
    @Flag(help: "Leave resources that are gone from the spec in place.") var noPrune = false
    @Option(help: "Refuse a plan that deletes or replaces more than N resources.") var maxDestroy: Int?
    @Option(help: "The address for probes, metrics and the API, host:port (not the webhooks).") var listen: String = "127.0.0.1:8080"
    @Option(help: ArgumentHelp("Serve the webhooks on this address, host:port, and nothing else there. Without it webhooks are not served.", valueName: "host:port"))
    var webhookListen: String?
    @Option(help: "A file holding the webhook secret (HMAC key for GitHub and generic hooks, token for GitLab); --webhook-listen needs it.") var webhookSecretFile: String?
    @Option(help: "A file holding the API read token: GET /api/v1/* (and /metrics off loopback) need it or the write token.") var apiTokenFile: String?
    @Option(help: "A file holding the API write token: POST /api/v1/reconcile needs it; it may also read.") var apiWriteTokenFile: String?
    @Option(help: "Close an HTTP connection that has been idle this long.") var httpIdleTimeout: String = "60s"
    @Option(help: "Close a new HTTP connection that has not sent a complete request head within this.") var httpHeaderTimeout: String = "10s"
    @Option(help: "At most this many connections open at once on each listener; more are closed at once.") var httpMaxConnections: Int = 256
    @Option(help: "Where the Git cache (bare clone and checkouts) lives.") var cacheDir: String = ".continuum/git"
    @Option(help: "At most this many provider operations at once.") var parallelism: Int = 10
    @Option(help: "At most this many plans for refs (POST /api/v1/plans) at once; more are answered 429.") var maxConcurrentPlans: Int = 2
    @Option(help: "A plan for a ref reuses the live state the last reconcile refreshed when it is younger than this; 0s refreshes for every plan.") var planRefreshMaxAge: String = "1m"
    @Flag(help: "Apply a new commit only if the plan it would apply was served for review (same digest) or an operator approved it (continuum approve); otherwise hold it.")
    var requireReviewedPlan = false
    @Option(help: "How long the state lock (and each shard's lease) lasts without renewal; a standby replica takes over after it.") var lockLease: String = "15s"
    @Option(help: "How often the holder renews the lock, and a standby tries to take it (default 2/15 of --lock-lease: 2s; shorter than --lock-renew-deadline).")
    var lockRenew: String?
    @Option(help: "How long the holder works on without renewing the lock before it stops starting operations and steps down (default 2/3 of --lock-lease: 10s; shorter than it).")
    var lockRenewDeadline: String?
    @Option(help: ArgumentHelp(
        "Share the fleet with the other replicas on this state in shards held by leases: 'provider' (a shard per provider) or a number N (providers grouped into N shards by a stable hash). Without it one replica applies and the others stand by.",
        valueName: "provider|N"))
    var shards: String?
    @Option(help: "With --shards: how soon a reconcile comes again while operations wait for other shards' work.") var shardPoll: String = "2s"
    @Option(help: "text or json (one JSON object a line).") var logFormat: String = "text"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"
    @OptionGroup var state: StateOptions
    @OptionGroup var simWorld: SimWorldOptions
    @OptionGroup var operatorOptions: OperatorOptions

    /// The lease timing the options give (unchecked: `validate` checks it).
    var leasePolicy: LeasePolicy {
        LeasePolicy(
            duration: DurationText.parse(lockLease) ?? .seconds(15), renewDeadline: lockRenewDeadline.flatMap(DurationText.parse),
            retryPeriod: lockRenew.flatMap(DurationText.parse))
    }

    func validate() throws {
        for (name, value) in [
            ("--interval", interval), ("--drift-interval", driftInterval), ("--lock-lease", lockLease),
            ("--http-idle-timeout", httpIdleTimeout), ("--http-header-timeout", httpHeaderTimeout),
        ] {
            guard let duration = DurationText.parse(value), duration > .zero else {
                throw ValidationError("\(name) '\(value)' is not a duration; write it like 30s, 1m, 5m or 1h30m")
            }
        }
        guard DurationText.parse(planRefreshMaxAge) != nil else {
            throw ValidationError("--plan-refresh-max-age '\(planRefreshMaxAge)' is not a duration; write it like 0s, 30s or 1m")
        }
        for (name, value) in [("--lock-renew", lockRenew), ("--lock-renew-deadline", lockRenewDeadline)] {
            guard let value else { continue }
            guard let duration = DurationText.parse(value), duration > .zero else {
                throw ValidationError("\(name) '\(value)' is not a duration; write it like 2s or 10s")
            }
        }
        do { try leasePolicy.validate() } catch { throw ValidationError(error.description) }
        if let shards { _ = try Self.shardMap(shards) }
        guard let poll = DurationText.parse(shardPoll), poll > .zero else {
            throw ValidationError("--shard-poll '\(shardPoll)' is not a duration; write it like 2s")
        }
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format '\(logFormat)' is not text or json") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical") }
        let address = try ListenAddress(listen)
        if let webhookListen {
            let webhooks = try ListenAddress(webhookListen, option: "--webhook-listen")
            if webhooks == address, webhooks.port != 0 {
                throw ValidationError("--webhook-listen and --listen are both \(listen); give the webhooks an address of their own")
            }
            if webhookSecretFile == nil {
                throw ValidationError("--webhook-listen needs --webhook-secret-file: without a secret every webhook would be refused")
            }
        }
        guard httpMaxConnections >= 1 else { throw ValidationError("--http-max-connections must be at least 1") }
        do {
            try APIAccess.check(listenHost: address.host, hasReadToken: apiTokenFile != nil, hasWriteToken: apiWriteTokenFile != nil)
        } catch {
            throw ValidationError("\(error)")
        }
        if let maxDestroy, maxDestroy < 0 { throw ValidationError("--max-destroy must be 0 or more") }
        if maxConcurrentPlans < 1 { throw ValidationError("--max-concurrent-plans must be 1 or more") }
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
        let webhookAddress = try webhookListen.map { try ListenAddress($0, option: "--webhook-listen") }
        let webhookSecret = try webhookSecretFile.map { try SecretFile.read($0, purpose: "webhook secret") }
        let readToken = try apiTokenFile.map { try SecretFile.read($0, purpose: "API read token") }
        let writeToken = try apiWriteTokenFile.map { try SecretFile.read($0, purpose: "API write token") }
        let serverOptions: ControllerServer.Options
        let webhookOptions: WebhookServer.Options?
        do {
            serverOptions = try ControllerServer.Options(listener: listener(address, name: "api"), readToken: readToken, writeToken: writeToken)
            webhookOptions = try webhookAddress.map { address throws(ServerConfigurationError) in
                try WebhookServer.Options(listener: listener(address, name: "webhooks"), secret: webhookSecret)
            }
        } catch {
            throw ValidationError("\(error)")
        }
        let access = serverOptions.access
        let options = try source.options(cacheDirectory: URL(fileURLWithPath: cacheDir))

        let registry = PrometheusCollectorRegistry()
        let metrics = ControllerMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let setup = try EngineSetup(state: state, simWorld: simWorld, operator: operatorOptions)
        var configuration = ControllerConfiguration(
            source: options, statePath: state.resolvedPath,
            interval: DurationText.parse(interval) ?? .seconds(60), driftInterval: DurationText.parse(driftInterval) ?? .seconds(300),
            selfHeal: !noSelfHeal, prune: !noPrune, maximumDestroys: maxDestroy, apply: ApplyOptions(parallelism: parallelism),
            lease: leasePolicy, store: setup.store)
        configuration.maximumConcurrentPlans = maxConcurrentPlans
        configuration.planRefreshMaximumAge = DurationText.parse(planRefreshMaxAge) ?? .seconds(60)
        configuration.requireReviewedPlan = requireReviewedPlan
        configuration.shards = try shards.map(Self.shardMap)
        configuration.shardPoll = DurationText.parse(shardPoll) ?? .seconds(2)
        let controller = Controller(configuration: configuration, catalog: setup.catalog, metrics: metrics, logger: logger)
        let server = ControllerServer(controller: controller, registry: registry, options: serverOptions)
        let application = server.application(logger: Logger(label: "continuum.http")) { port in
            logger.info("listening", metadata: [
                "status": "http://\(address.host):\(port)/api/v1/status", "metrics": "http://\(address.host):\(port)/metrics",
                "api": "\(access.hasTokens ? "bearer tokens (\(access.roles.map(\.rawValue).joined(separator: ", ")))" : "open to this host only (loopback, no token)")",
            ])
        }
        // Shut down in reverse order: the webhooks stop first, then the controller finishes,
        // and the main server answers probes until then.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: application), .init(service: controller)]
        if let webhookOptions {
            let webhooks = WebhookServer(controller: controller, registry: registry, options: webhookOptions)
            let host = webhookOptions.listener.host
            services.append(.init(service: webhooks.application(logger: Logger(label: "continuum.webhooks")) { port in
                logger.info("receiving webhooks", metadata: ["hooks": "http://\(host):\(port)/hooks/{github,gitlab,generic}"])
            }))
        } else {
            let alone = webhookSecretFile != nil ? "; --webhook-secret-file alone does not serve them (--listen no longer does)" : ""
            logger.notice("webhooks are not served: start with --webhook-listen HOST:PORT and --webhook-secret-file to receive them\(alone)")
        }
        if let warning = DescriptorLimit.accommodate(connections: httpMaxConnections * (webhookOptions == nil ? 1 : 2)) {
            logger.warning("\(warning)")
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("the controller stopped: \(error)")
            throw ExitCode.failure
        }
    }

    /// The shard map `--shards` names: `provider`, or a number of hashed groups.
    static func shardMap(_ text: String) throws -> ShardMap {
        if text == "provider" { return ShardMap(.perProvider) }
        guard let count = Int(text), (1...4096).contains(count) else {
            throw ValidationError("--shards '\(text)' is neither 'provider' nor a number of shards from 1 to 4096; write --shards provider or --shards 8")
        }
        return ShardMap(.hashed(count))
    }

    /// A listener on `address` with the HTTP limits given.
    private func listener(_ address: ListenAddress, name: String) -> HTTPListener {
        HTTPListener(
            host: address.host, port: address.port, idleTimeout: DurationText.parse(httpIdleTimeout) ?? .seconds(60),
            headerTimeout: DurationText.parse(httpHeaderTimeout) ?? .seconds(10), maximumConnections: httpMaxConnections, name: name)
    }
}
