import ContinuumOpenNebula
import ContinuumProvider
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// What the operator's connection decides for every provider on it: how many XML-RPC
/// requests are in flight, and which CA the front-end's certificate is verified against.
@Suite("OpenNebula connection: request limits and TLS")
struct OpenNebulaConnectionTests {
    @Test func theConnectionBoundsRequestsInFlightAcrossItsProviders() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        try await lab.control("delay", [.int(20)])
        let config = try OpenNebulaLab.config(lab.standIn.endpoint)
        // Two providers on one connection share its gate.
        let connection = "shared-\(UUID().uuidString)"
        let shared = try OpenNebulaProvider(name: "one-c", connection: connection, config: config, session: OpenNebulaLab.session, concurrency: 2)
        let sibling = try OpenNebulaProvider(name: "one-d", connection: connection, config: config, session: OpenNebulaLab.session, concurrency: 2)
        try await lab.control("reset_calls")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                let provider = index.isMultiple(of: 2) ? shared : sibling
                group.addTask { _ = try await provider.read(.virtualMachine, providerID: "vm/\(index)") }
            }
            try await group.waitForAll()
        }
        guard case .int(let most) = try await lab.control("max_in_flight") else { Issue.record("no figure"); return }
        #expect(most >= 1 && most <= 2, "at most 2 requests in flight on the connection, saw \(most)")
        #expect(try await lab.calls()["one.vm.info"] == 12)
    }

    @Test func tlsIsVerifiedAgainstTheOperatorsCA() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = directory.url.appendingPathComponent("key.pem"), certificate = directory.url.appendingPathComponent("certificate.pem")
        _ = try GitFixture.run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.path, "-out", certificate.path,
        ], in: directory.url)
        let standIn = try OpenNebulaStandIn(in: directory.url, arguments: ["--session", OpenNebulaLab.session, "--tls-cert", certificate.path, "--tls-key", key.path])
        defer { standIn.stop() }
        let endpoint = "https://127.0.0.1:\(standIn.port)/RPC2"
        let unverified = try OpenNebulaProvider(name: "one-fra", connection: "one-fra", config: try OpenNebulaLab.config(endpoint), session: OpenNebulaLab.session)
        let refused = await #expect(throws: ProviderError.self) { _ = try await unverified.revisions() }
        #expect(refused?.code == .unavailable, "a certificate no trusted CA signed is refused: \(String(describing: refused))")
        let trusting = try OpenNebulaProvider(name: "one-fra", connection: "one-fra",
            config: try OpenNebulaLab.config(endpoint, [FieldValue.Entry("caFile", .string(certificate.path))]), session: OpenNebulaLab.session)
        #expect(try await trusting.revisions()?.isEmpty == true)
        let missing = #expect(throws: ProviderError.self) {
            _ = try OpenNebulaProvider(name: "one-fra", connection: "one-fra",
                config: try OpenNebulaLab.config(endpoint, [FieldValue.Entry("caFile", .string(directory.url.appendingPathComponent("none.pem").path))]), session: "a:b")
        }
        #expect(missing?.message.contains("cannot read the CA file") == true)
    }

    @Test func theConnectionsRequestRateSpacesRequests() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        let provider = try OpenNebulaProvider(name: "one-fra", connection: "rated-\(UUID().uuidString)", config: try OpenNebulaLab.config(lab.standIn.endpoint),
            session: OpenNebulaLab.session, requestsPerSecond: 50)
        let start = ContinuousClock.now
        for index in 0..<6 { _ = try await provider.read(.virtualMachine, providerID: "vm/\(index)") }
        // Six requests at 50 a second start at least 5 × 20 ms apart: a lower bound only.
        #expect(ContinuousClock.now - start >= .milliseconds(100))
    }
}
