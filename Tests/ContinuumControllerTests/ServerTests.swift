import ContinuumController
import ContinuumEngine
import ContinuumServer
import ContinuumTesting
import Foundation
import Testing

/// The HTTP server: webhooks, the status and resources API, and the metrics format.
@Suite("Controller HTTP server", .serialized)
struct ServerTests {
    static let secret = "s3cret-webhook-key"

    static func pushBody(branch: String = "main") -> [UInt8] {
        Array(#"{"ref":"refs/heads/\#(branch)","after":"0000000000000000000000000000000000000000"}"#.utf8)
    }

    @Test func aSignedGitHubPushTriggersAReconcileAtOnceAndABadOneDoesNot() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let first = try repository.commit(Fleet.files(vms: ["web-1"]))
        // An hour between polls: only the webhook can bring the next commit in.
        let harness = try await ControllerHarness(directory: directory, repository: repository, webhookSecret: Self.secret) { $0.interval = .seconds(3600) }
        try await harness.waitForStatus { $0.lastAppliedCommit == first }
        let second = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]))
        let verifier = WebhookVerifier(secret: Self.secret)
        let body = Self.pushBody()

        let unsigned = try await harness.request("POST", "/hooks/github", on: .webhooks, body: body, headers: ["X-GitHub-Event": "push"])
        let forged = try await harness.request("POST", "/hooks/github", on: .webhooks, body: body, headers: [
            "X-GitHub-Event": "push", "X-Hub-Signature-256": WebhookVerifier(secret: "wrong").signature(of: body),
        ])
        let tampered = try await harness.request("POST", "/hooks/github", on: .webhooks, body: Self.pushBody(branch: "main "), headers: [
            "X-GitHub-Event": "push", "X-Hub-Signature-256": verifier.signature(of: body),
        ])
        let statuses: [Int] = [unsigned.status, forged.status, tampered.status]
        #expect(statuses == [401, 401, 401])
        #expect(forged.body.contains("signature"))
        // The receiver triggers before it answers, so a rejected webhook shows in the count at once.
        #expect(await harness.controller.currentStatus().triggers?.received == 0, "a rejected webhook triggers nothing")

        let otherBranch = Self.pushBody(branch: "feature")
        let ignored = try await harness.request("POST", "/hooks/github", on: .webhooks, body: otherBranch, headers: [
            "X-GitHub-Event": "push", "X-Hub-Signature-256": verifier.signature(of: otherBranch),
        ])
        #expect(ignored.status == 200)
        #expect(ignored.body.contains("ignored"))

        let accepted = try await harness.request("POST", "/hooks/github", on: .webhooks, body: body, headers: [
            "X-GitHub-Event": "push", "X-Hub-Signature-256": verifier.signature(of: body),
        ])
        #expect(accepted.status == 202)
        #expect(accepted.body.contains("fetch triggered"))
        // The next poll is an hour away: only the webhook's fetch can bring the commit in.
        let applied = try await harness.waitForStatus { $0.lastAppliedCommit == second && $0.triggers?.handled == 1 }
        await harness.stop()
        #expect(applied.lastAppliedCommit == second)
        #expect(applied.triggers == ControllerStatus.Triggers(received: 1, handled: 1))
    }

    @Test(arguments: [
        ("gitlab", ["X-Gitlab-Token": ServerTests.secret], 202),
        ("gitlab", ["X-Gitlab-Token": "nope"], 401),
        ("gitlab", [:], 401),
        ("generic", ["X-Signature-256": WebhookVerifier(secret: ServerTests.secret).signature(of: ServerTests.pushBody())], 202),
        ("generic", ["X-Signature-256": "sha256=00"], 401),
        ("bitbucket", [:], 404),
    ])
    func webhookReceiversCheckTheirCredentials(host: String, headers: [String: String], expected: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(Fleet.files(vms: []))
        let harness = try await ControllerHarness(directory: directory, repository: repository, webhookSecret: Self.secret) { $0.interval = .seconds(3600) }
        let answer = try await harness.request("POST", "/hooks/\(host)", on: .webhooks, body: Self.pushBody(), headers: headers)
        await harness.stop()
        #expect(answer.status == expected, "\(host) \(headers): \(answer.body)")
    }

    @Test func webhooksAreOffWithoutASecretAndBodiesAreLimited() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(Fleet.files(vms: []))
        let off = try await ControllerHarness(directory: directory, repository: repository) { $0.interval = .seconds(3600) }
        let forbidden = try await off.request("POST", "/hooks/github", on: .webhooks, body: Self.pushBody())
        await off.stop()
        #expect(forbidden.status == 403)
        #expect(forbidden.body.contains("--webhook-secret-file"))

        let on = try await ControllerHarness(directory: directory, repository: repository, webhookSecret: Self.secret) { $0.interval = .seconds(3600) }
        let huge = [UInt8](repeating: 0x20, count: 2 << 20)
        let tooLarge = try await on.request("POST", "/hooks/github", on: .webhooks, body: huge, headers: ["X-Hub-Signature-256": WebhookVerifier(secret: Self.secret).signature(of: huge)])
        await on.stop()
        #expect(tooLarge.status == 413)
    }

    @Test func theResourcesAPIShowsStatusSpecOutputsAndEventsButNoSecrets() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(Fleet.files(vms: ["web-1"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository, webhookSecret: "hunter2-do-not-leak")
        try await harness.waitForStatus { $0.lastAppliedCommit == commit }
        let list = try await harness.json("/api/v1/resources")
        let detail = try await harness.json("/api/v1/resources/VirtualMachine/web-1")
        let missing = try await harness.request("GET", "/api/v1/resources/VirtualMachine/web-9")
        let badKind = try await harness.request("GET", "/api/v1/resources/Toaster/web-1")
        let triggered = try await harness.request("POST", "/api/v1/reconcile")
        let answers = [try await harness.request("GET", "/api/v1/status").body, try await harness.request("GET", "/api/v1/resources").body,
            try await harness.request("GET", "/api/v1/resources/VirtualMachine/web-1").body, try await harness.request("GET", "/metrics").body]
        await harness.stop()
        #expect(!answers.contains { $0.contains("hunter2") }, "a secret's value appears in no answer")

        let resources = try #require(list["resources"] as? [[String: Any]])
        #expect(resources.compactMap { $0["id"] as? String } == ["Network/fra-edge", "VirtualMachine/web-1"])
        #expect(resources.allSatisfy { $0["status"] as? String == "Ready" })
        #expect(detail["providerID"] as? String != nil)
        let spec = try #require(detail["spec"] as? [String: Any])
        #expect(spec["cpu"] as? Int == 2)
        #expect(spec["memory"] as? String == "4Gi")
        let events = try #require(detail["events"] as? [[String: Any]])
        #expect(events.first?["action"] as? String == "created")
        #expect(events.first?["source"] as? String == "commit \(commit.prefix(12))")
        #expect(missing.status == 404)
        #expect(badKind.status == 404)
        #expect(badKind.body.contains("unknown kind 'Toaster'"))
        #expect(triggered.status == 202)
    }

    @Test func metricsPassPrometheusClientsTextParser() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository)
        try await harness.waitForStatus { $0.lastAppliedCommit == commit }
        let metrics = try await harness.request("GET", "/metrics")
        await harness.stop()
        #expect(metrics.status == 200)
        let file = directory.url.appendingPathComponent("metrics.txt")
        try Data(metrics.body.utf8).write(to: file)
        let parsed = try PrometheusParser.families(in: file)
        for name in [
            "continuum_reconcile", "continuum_reconcile_duration_seconds", "continuum_resources", "continuum_drift_detected",
            "continuum_provider_operations", "continuum_provider_operation_duration_seconds", "continuum_git_fetch",
            "continuum_last_applied_timestamp_seconds",
        ] {
            #expect(parsed[name] != nil, "\(name) is missing from \(parsed.keys.sorted())")
        }
        #expect(parsed["continuum_reconcile"] == "counter")
        #expect(parsed["continuum_reconcile_duration_seconds"] == "histogram")
        #expect(parsed["continuum_resources"] == "gauge")
        #expect(metrics.body.contains("continuum_resources{kind=\"VirtualMachine\",status=\"Ready\"} 2"))
        #expect(metrics.body.contains("continuum_provider_operations_total{provider=\"de-fra-cloud\",operation=\"create\",result=\"success\"} 3"))
    }
}

/// Runs `prometheus_client`'s text-format parser (PyPI) over a metrics file.
enum PrometheusParser {
    /// Metric family names (as the parser names them) and their types.
    static func families(in file: URL) throws -> [String: String] {
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                print(family.name, family.type)
            """
        let process = Process()
        // scripts/test.sh points CONTINUUM_PYTHON at a venv with prometheus-client from PyPI.
        let python = ProcessInfo.processInfo.environment["CONTINUUM_PYTHON"] ?? "python3"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script, file.path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("prometheus_client's parser refused the metrics (install it with pip install prometheus-client): \(problems)")
        }
        var families: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { families[String(parts[0])] = String(parts[1]) }
        }
        return families
    }
}
