@testable import ContinuumServer
import ContinuumController
import ContinuumEngine
import ContinuumTesting
import Foundation
import Testing

/// Who may use the API: the decision without a server (tokens, roles, loopback), then the
/// real listeners on loopback (401, 403, 200, 202; the webhooks only on their own listener).
@Suite("API access", .serialized)
struct APIAccessTests {
    static let read = "read-token-0123456789"
    static let write = "write-token-9876543210"

    @Test(arguments: [
        ("127.0.0.1", false, false, true), ("127.4.5.6", false, false, true), ("::1", false, false, true), ("[::1]", false, false, true),
        ("localhost", false, false, true), ("::ffff:127.0.0.1", false, false, true),
        ("0.0.0.0", false, false, false), ("::", false, false, false), ("10.1.2.3", false, false, false), ("controller.example", false, false, false),
        ("0.0.0.0", true, false, true), ("0.0.0.0", false, true, true), ("192.168.1.10", true, true, true),
    ])
    func theAPIIsOpenToTheNetworkOnlyWithATokenConfigured(host: String, readToken: Bool, writeToken: Bool, allowed: Bool) {
        let refusal: ServerConfigurationError?
        do {
            try APIAccess.check(listenHost: host, hasReadToken: readToken, hasWriteToken: writeToken)
            refusal = nil
        } catch {
            refusal = error
        }
        #expect((refusal == nil) == allowed, "\(host) read=\(readToken) write=\(writeToken)")
        if let refusal {
            #expect(refusal.code == .unauthenticatedAPI)
            #expect(refusal.message.contains("is not a loopback address and no API token is configured"))
            #expect(refusal.remedy.contains("--api-token-file"))
        }
    }

    @Test func tokensMustBeDistinctAndNotEmpty() {
        #expect(throws: ServerConfigurationError.self) { try APIAccess(readToken: "same", writeToken: " same\n", listenHost: "127.0.0.1") }
        #expect(throws: ServerConfigurationError.self) { try APIAccess(readToken: " \n", writeToken: nil, listenHost: "127.0.0.1") }
        do {
            _ = try APIAccess(readToken: "same", writeToken: "same", listenHost: "0.0.0.0")
        } catch {
            #expect(error.code == .sharedToken)
        }
    }

    @Test func readTokensReadWriteTokensAlsoWriteAndMetricsAreOpenOnlyOnLoopback() throws {
        let network = try APIAccess(readToken: "\(Self.read)\n", writeToken: Self.write, listenHost: "10.0.0.7")
        #expect(network.decide(authorization: nil, role: .read) != .allowed)
        #expect(network.decide(authorization: "Bearer \(Self.read)", role: .read) == .allowed)
        #expect(network.decide(authorization: "bearer \(Self.read)", role: .read) == .allowed, "the scheme in any case")
        #expect(network.decide(authorization: "Basic \(Self.read)", role: .read) != .allowed)
        #expect(network.decide(authorization: "Bearer \(Self.read)x", role: .read) != .allowed)
        #expect(network.decide(authorization: "Bearer \(Self.write)", role: .read) == .allowed)
        #expect(network.decide(authorization: "Bearer \(Self.write)", role: .write) == .allowed)
        guard case .forbidden(_, let remedy) = network.decide(authorization: "Bearer \(Self.read)", role: .write) else {
            Issue.record("a read token on a write endpoint is forbidden")
            return
        }
        #expect(remedy.contains("--api-write-token-file"))
        #expect(network.decideMetrics(authorization: nil) != .allowed, "off loopback /metrics needs a token")
        #expect(network.decideMetrics(authorization: "Bearer \(Self.read)") == .allowed)

        let loopback = try APIAccess(readToken: Self.read, writeToken: nil, listenHost: "127.0.0.1")
        #expect(loopback.decideMetrics(authorization: nil) == .allowed)
        #expect(loopback.decide(authorization: nil, role: .read) != .allowed, "configured tokens are needed on loopback too")
        guard case .forbidden(_, let noWriter) = loopback.decide(authorization: "Bearer \(Self.read)", role: .write) else {
            Issue.record("without a write token nothing may write")
            return
        }
        #expect(noWriter.contains("has no write token"))
        let open = try APIAccess(readToken: nil, writeToken: nil, listenHost: "::1")
        #expect(open.decide(authorization: nil, role: .write) == .allowed)
    }

    @Test func theAPIAnswersByTokenAndRole() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(Fleet.files(vms: ["web-1"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository, readToken: Self.read, writeToken: Self.write) {
            $0.interval = .seconds(3600)
        }
        try await harness.waitForStatus { $0.lastAppliedCommit == commit }
        let table: [(method: String, path: String, token: String?, expected: Int)] = [
            ("GET", "/api/v1/status", nil, 401), ("GET", "/api/v1/status", "wrong", 401), ("GET", "/api/v1/status", Self.read, 200),
            ("GET", "/api/v1/status", Self.write, 200), ("GET", "/api/v1/resources", nil, 401), ("GET", "/api/v1/resources", Self.read, 200),
            ("GET", "/api/v1/resources/VirtualMachine/web-1", Self.read, 200), ("POST", "/api/v1/reconcile", nil, 401),
            ("POST", "/api/v1/reconcile", "wrong", 401), ("POST", "/api/v1/reconcile", Self.read, 403), ("POST", "/api/v1/reconcile", Self.write, 202),
            ("GET", "/healthz", nil, 200), ("GET", "/readyz", nil, 200), ("GET", "/metrics", nil, 200),
        ]
        var answers: [(status: Int, body: String, headers: [String: String])] = []
        for row in table { answers.append(try await harness.request(row.method, row.path, token: row.token)) }
        await harness.stop()
        for (row, answer) in zip(table, answers) {
            #expect(answer.status == row.expected, "\(row.method) \(row.path) with \(row.token ?? "no token"): \(answer.body)")
            guard answer.status == 401 || answer.status == 403 else { continue }
            let body = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: String])
            #expect(body["error"] != nil && body["remedy"] != nil, "\(answer.body)")
            #expect(answer.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(answer.headers)")
            #expect(!answer.body.contains(Self.read) && !answer.body.contains(Self.write), "no answer shows a token")
        }
        #expect(answers[1].headers["www-authenticate"]?.contains("invalid_token") == true)
        #expect(answers[9].body.contains("write role"))
    }

    @Test func theWebhooksAreServedOnlyOnTheirOwnListenerAndNothingElseIs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(Fleet.files(vms: []))
        let harness = try await ControllerHarness(directory: directory, repository: repository, webhookSecret: ServerTests.secret) {
            $0.interval = .seconds(3600)
        }
        let body = ServerTests.pushBody()
        let signature = ["X-GitHub-Event": "push", "X-Hub-Signature-256": WebhookVerifier(secret: ServerTests.secret).signature(of: body)]
        let onAPI = try await harness.request("POST", "/hooks/github", on: .api, body: body, headers: signature)
        let onWebhooks = try await harness.request("POST", "/hooks/github", on: .webhooks, body: body, headers: signature)
        let others = [
            try await harness.request("GET", "/healthz", on: .webhooks), try await harness.request("GET", "/metrics", on: .webhooks),
            try await harness.request("GET", "/api/v1/status", on: .webhooks), try await harness.request("POST", "/api/v1/reconcile", on: .webhooks),
        ]
        await harness.stop()
        #expect(onAPI.status == 404, "the API listener serves no webhook")
        #expect(onWebhooks.status == 202)
        #expect(others.map(\.status) == [404, 404, 404, 404], "the webhook listener serves nothing but the webhooks")
    }
}
