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

/// A controller and its HTTP server running in this process against a real Git
/// repository, with an HTTP client for the API: what the controller tests drive.
final class ControllerHarness: Sendable {
    let directory: TemporaryDirectory
    let repository: GitFixture
    let controller: Controller
    let registry: PrometheusCollectorRegistry
    let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Starts a controller on `url` (the fixture's file:// URL when nil) with `configure` applied.
    init(
        directory: TemporaryDirectory, repository: GitFixture, url: String? = nil, reference: GitReference = .branch("main"),
        webhookSecret: String? = nil, credentials: GitCredentials = GitCredentials(),
        configure: (inout ControllerConfiguration) -> Void = { _ in }
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
            simWorld: SimWorld(path: directory.url.appendingPathComponent("sim.db").path), secretsDirectory: directory.url.appendingPathComponent("secrets"))
        controller = Controller(configuration: configuration, catalog: catalog, metrics: ControllerMetrics(factory: PrometheusMetricsFactory(registry: registry)), logger: logger)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = ControllerServer(controller: controller, registry: registry, options: .init(host: "127.0.0.1", port: 0, webhookSecret: webhookSecret))
            .application(logger: logger) { continuation.yield($0) }
        group = ServiceGroup(configuration: .init(services: [.init(service: application), .init(service: controller)], logger: logger))
        let group = self.group
        running = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw HarnessError("the server did not start") }
        self.port = port
    }

    /// Shuts down gracefully and waits.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }

    /// Waits up to `timeout` for `condition` on the status; returns the status it saw last.
    @discardableResult
    func waitForStatus(timeout: Duration = .seconds(20), _ condition: (ControllerStatus) -> Bool) async throws -> ControllerStatus {
        let deadline = ContinuousClock.now + timeout
        while true {
            let status = await controller.currentStatus()
            if condition(status) || ContinuousClock.now > deadline { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A request to the server: status code and body.
    func request(_ method: String, _ path: String, body: [UInt8] = [], headers: [String: String] = [:]) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
        request.httpMethod = method
        if !body.isEmpty { request.httpBody = Data(body) }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// The JSON body of a GET.
    func json(_ path: String) async throws -> [String: Any] {
        let answer = try await request("GET", path)
        return try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
    }

    /// The sum of a metric's series as `/metrics` shows them, such as every
    /// `continuum_reconcile_total{result=...}`; `labels` picks the series containing it.
    func metric(_ name: String, labels: String = "") async throws -> Double {
        let text = try await request("GET", "/metrics").body
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
