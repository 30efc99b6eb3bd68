import ContinuumServer
import ContinuumController
import ContinuumEngine
import ContinuumTesting
import Foundation
import Testing

/// The listeners' limits against real connections on loopback: the cap closes connections
/// beyond it at once, the header timeout closes half-open ones, the idle timeout idle ones.
/// Every wait is on a connection's close, never on a clock.
@Suite("HTTP connection limits", .serialized, .timeLimit(.minutes(2)))
struct ConnectionLimitTests {
    /// Opens `count` connections to `port` that send nothing, and a stream of their indices
    /// as the server closes them.
    static func halfOpen(_ count: Int, port: Int) async throws -> ([RawConnection], AsyncStream<Int>) {
        let (closes, closed) = AsyncStream.makeStream(of: Int.self)
        var connections: [RawConnection] = []
        for index in 0..<count {
            let connection = try await RawConnection.open(port: port)
            connection.whenClosed { closed.yield(index) }
            connections.append(connection)
        }
        return (connections, closes)
    }

    @Test func connectionsBeyondTheCapAreClosedAtOnceAndTheOtherListenerStillServes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(Fleet.files(vms: ["web-1"]))
        // Timeouts of an hour: only the cap can close a connection here.
        let webhooks = HTTPListener(
            host: "127.0.0.1", port: 0, idleTimeout: .seconds(3600), headerTimeout: .seconds(3600), maximumConnections: 8, name: "webhooks")
        let harness = try await ControllerHarness(directory: directory, repository: repository, webhookSecret: ServerTests.secret, webhooks: webhooks) {
            $0.interval = .seconds(3600)
        }
        try await harness.waitForStatus { $0.lastAppliedCommit == commit }
        let (connections, closes) = try await Self.halfOpen(28, port: harness.webhookPort)
        var closed: Set<Int> = []
        for await index in closes {
            closed.insert(index)
            if closed.count == 20 { break }
        }
        let open = connections.indices.filter { !closed.contains($0) && connections[$0].isOpen }
        // The API listener has a cap of its own: probes, metrics and triggers still answer, and Git still fetches.
        let health = try await harness.request("GET", "/healthz")
        let refused = try await harness.metric("continuum_http_connections_refused_total", labels: #"listener="webhooks""#)
        let held = try await harness.metric("continuum_http_connections", labels: #"listener="webhooks""#)
        let fetchesBefore = try await harness.metric("continuum_git_fetch_total", labels: #"result="success""#)
        let trigger = try await harness.request("POST", "/api/v1/reconcile")
        let number = try #require(try JSONSerialization.jsonObject(with: Data(trigger.body.utf8)) as? [String: Any])["trigger"] as? Int
        try await harness.waitForStatus { ($0.triggers?.handled ?? 0) >= (number ?? 1) }
        let fetchesAfter = try await harness.metric("continuum_git_fetch_total", labels: #"result="success""#)
        for connection in connections { await connection.close() }
        await harness.stop()
        #expect(open.count == 8, "the cap's 8 connections stay open; the other 20 were closed")
        #expect(health.status == 200)
        #expect(refused == 20)
        #expect(held == 8)
        #expect(trigger.status == 202)
        #expect(fetchesAfter == fetchesBefore + 1, "the Git source still fetches")
    }

    @Test func halfOpenConnectionsAreClosedAfterTheHeaderTimeoutAndTheListenerAnswersAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(Fleet.files(vms: []))
        let api = HTTPListener(host: "127.0.0.1", port: 0, idleTimeout: .seconds(3600), headerTimeout: .seconds(1), maximumConnections: 8)
        let harness = try await ControllerHarness(directory: directory, repository: repository, api: api) { $0.interval = .seconds(3600) }
        let (connections, closes) = try await Self.halfOpen(28, port: harness.port)
        // A client trickling its request head is no better off than one sending nothing.
        for connection in connections { try? await connection.send("GET /healthz HTTP/1.1\r\nHost: contin") }
        var closed = 0
        for await _ in closes {
            closed += 1
            if closed == connections.count { break }
        }
        var answers: [String] = []
        for connection in connections { answers.append(try await connection.waitUntilClosed()) }
        // The server counts a connection out as it closes it; a request racing that gets one more try.
        var health: Int?
        for _ in 0..<3 where health != 200 { health = try? await harness.request("GET", "/healthz").status }
        await harness.stop()
        #expect(answers.allSatisfy { $0.isEmpty }, "no half-sent request was answered")
        #expect(health == 200, "the listener answers once the half-open connections are gone")
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(Fleet.files(vms: []))
        let api = HTTPListener(host: "127.0.0.1", port: 0, idleTimeout: .seconds(1), headerTimeout: .seconds(3600))
        let harness = try await ControllerHarness(directory: directory, repository: repository, api: api) { $0.interval = .seconds(3600) }
        let connection = try await RawConnection.open(port: harness.port)
        // One request on a keep-alive connection, answered; then the connection stays idle.
        try await connection.send("GET /healthz HTTP/1.1\r\nHost: continuum\r\n\r\n")
        let received = try await connection.waitUntilClosed()
        await harness.stop()
        #expect(received.hasPrefix("HTTP/1.1 200"), "\(received)")
        #expect(received.hasSuffix("ok\n"))
    }
}
