import ContinuumApply
import ContinuumController
import ContinuumEngine
import ContinuumSim
import ContinuumGit
import ContinuumServer
import ContinuumTesting
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A controller and its two HTTP listeners (the API's and the webhooks') running in this
/// process against a real Git repository, with an HTTP client: what the controller tests drive.
final class ControllerHarness: Sendable {
    /// Which listener a request goes to.
    enum Listener: Sendable {
        /// Probes, metrics and the API (`--listen`).
        case api
        /// The webhooks (`--webhook-listen`).
        case webhooks
    }

    let directory: TemporaryDirectory
    let repository: GitFixture
    let controller: Controller
    let registry: PrometheusCollectorRegistry
    /// The API listener's port.
    let port: Int
    /// The webhook listener's port.
    let webhookPort: Int
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Starts a controller on `url` (the fixture's file:// URL when nil) with `configure`
    /// applied, the API on `api` (loopback, port 0: a free one) with the tokens given, and
    /// the webhooks on `webhooks`.
    init(
        directory: TemporaryDirectory, repository: GitFixture, url: String? = nil, reference: GitReference = .branch("main"),
        webhookSecret: String? = nil, credentials: GitCredentials = GitCredentials(), readToken: String? = nil, writeToken: String? = nil,
        api: HTTPListener = HTTPListener(host: "127.0.0.1", port: 0), webhooks: HTTPListener = HTTPListener(host: "127.0.0.1", port: 0, name: "webhooks"),
        operatorConfig: OperatorConfig = .none, configure: (inout ControllerConfiguration) -> Void = { _ in }
    ) async throws {
        self.directory = directory
        self.repository = repository
        let source = GitSourceOptions(
            url: url ?? repository.url, reference: reference, path: "specs", cacheDirectory: directory.url.appendingPathComponent("cache"),
            credentials: credentials)
        var configuration = ControllerConfiguration(
            source: source, statePath: directory.url.appendingPathComponent("state.db").path,
            interval: .seconds(1), driftInterval: .seconds(3600),
            apply: ApplyOptions(initialBackoff: .milliseconds(10)), maximumBackoff: .seconds(2), lease: LeasePolicy(duration: .seconds(3)))
        configure(&configuration)
        registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let catalog = ProviderCatalog.standard(
            simWorld: SimWorld(path: directory.url.appendingPathComponent("sim.db").path), secretsDirectory: directory.url.appendingPathComponent("secrets"),
            operatorConfig: operatorConfig)
        controller = Controller(configuration: configuration, catalog: catalog, metrics: ControllerMetrics(factory: PrometheusMetricsFactory(registry: registry)), logger: logger)
        let (apiPorts, apiStarted) = AsyncStream.makeStream(of: Int.self)
        let (webhookPorts, webhooksStarted) = AsyncStream.makeStream(of: Int.self)
        let main = ControllerServer(controller: controller, registry: registry, options: try .init(listener: api, readToken: readToken, writeToken: writeToken))
            .application(logger: logger) { apiStarted.yield($0) }
        let hooks = WebhookServer(controller: controller, registry: registry, options: try .init(listener: webhooks, secret: webhookSecret))
            .application(logger: logger) { webhooksStarted.yield($0) }
        group = ServiceGroup(configuration: .init(services: [.init(service: main), .init(service: controller), .init(service: hooks)], logger: logger))
        let group = self.group
        running = Task { try await group.run() }
        var apiIterator = apiPorts.makeAsyncIterator()
        var webhookIterator = webhookPorts.makeAsyncIterator()
        guard let port = await apiIterator.next(), let webhookPort = await webhookIterator.next() else { throw HarnessError("the servers did not start") }
        self.port = port
        self.webhookPort = webhookPort
    }

    /// Shuts down gracefully and waits.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }

    /// Waits for `condition` on the status and returns the status it saw last. `timeout` is
    /// only a safety net against a hung test, never a performance bound.
    @discardableResult
    func waitForStatus(timeout: Duration = .seconds(120), _ condition: (ControllerStatus) -> Bool) async throws -> ControllerStatus {
        let deadline = ContinuousClock.now + timeout
        while true {
            let status = await controller.currentStatus()
            if condition(status) || ContinuousClock.now > deadline { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A request to a listener, with `token` as a bearer token: status code, body and the
    /// response's headers (names in lower case).
    func request(
        _ method: String, _ path: String, on listener: Listener = .api, body: [UInt8] = [], headers: [String: String] = [:], token: String? = nil
    ) async throws -> (status: Int, body: String, headers: [String: String]) {
        let port = listener == .api ? self.port : webhookPort
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        request.httpMethod = method
        if !body.isEmpty { request.httpBody = Data(body) }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { fields["\(name)".lowercased()] = "\(value)" }
        return (http?.statusCode ?? 0, String(decoding: data, as: UTF8.self), fields)
    }

    /// The JSON body of a GET.
    func json(_ path: String, token: String? = nil) async throws -> [String: Any] {
        let answer = try await request("GET", path, token: token)
        return try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
    }

    /// The sum of a metric's series as `/metrics` shows them, such as every
    /// `continuum_reconcile_total{result=...}`; `labels` picks the series containing it.
    func metric(_ name: String, labels: String = "", token: String? = nil) async throws -> Double {
        let text = try await request("GET", "/metrics", token: token).body
        var sum = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            guard labels.isEmpty || line.contains(labels), let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            sum += value
        }
        return sum
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Spec repositories for the controller tests: one sim provider, a network and VMs.
enum Fleet {
    static func files(vms: [String], cpu: String = "2") -> [String: String] {
        var files = ["specs/provider.yaml": SpecSamples.file(SpecSamples.provider(), SpecSamples.network())]
        for name in vms { files["specs/\(name).yaml"] = SpecSamples.virtualMachine(name, cpu: cpu) }
        return files
    }
}
