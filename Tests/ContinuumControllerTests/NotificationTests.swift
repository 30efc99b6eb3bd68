import ContinuumController
import ContinuumEngine
import ContinuumNotify
import Logging
import ContinuumTesting
import Foundation
import Testing

/// The controller reports back: a forge commit status per commit (pending, then success)
/// and CloudEvents, and a target that keeps failing delays no reconcile.
@Suite("Notifications", .serialized)
struct NotificationTests {
    @Test func theForgeGetsPendingThenSuccessAndAFailingTargetDelaysNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let forge = try await ScriptedHTTPServer()
        defer { forge.stop() }
        let repository = try GitFixture(in: directory.url.appendingPathComponent("repos"), name: "fleet")
        let first = try repository.commit(Fleet.files(vms: ["web-1"]))
        forge.script("POST", "/repos/fleet/specs/statuses/\(first)", .init(status: 201, json: "{}"))
        forge.script("POST", "/events", .init(status: 202))
        forge.script("POST", "/broken", .init(status: 500))
        let secrets = directory.url.appendingPathComponent("operator-secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        try Data("ghs_forge-token-0123\n".utf8).write(to: secrets.appendingPathComponent("github-token"))
        var config = OperatorConfig(secretsDirectory: secrets)
        config.notifications = [
            "github": NotificationTarget(name: "github", kind: .github, url: try #require(URL(string: forge.url)), repository: "fleet/specs",
                token: .file("github-token"), link: URL(string: "https://continuum.example/status"), allowPlaintext: true),
            "events": NotificationTarget(name: "events", kind: .cloudevents, url: try #require(URL(string: forge.url + "/events")), events: [.applied]),
            "broken": NotificationTarget(name: "broken", kind: .webhook, url: try #require(URL(string: forge.url + "/broken"))),
        ]
        let harness = try await ControllerHarness(directory: directory, repository: repository, operatorConfig: config)
        let applied = try await harness.waitForStatus { $0.lastAppliedCommit == first }
        #expect(applied.phase == .ready, "a failing target delays nothing")
        // Wait until the success status arrived (delivery is off the reconcile's path).
        let deadline = ContinuousClock.now + .seconds(120)
        while forge.received.filter({ $0.path.hasSuffix("/statuses/\(first)") }).count < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await harness.stop()
        let statuses = forge.received.filter { $0.path == "/repos/fleet/specs/statuses/\(first)" }
        #expect(statuses.count == 2)
        let bodies = statuses.map { (try? JSONSerialization.jsonObject(with: Data($0.body.utf8))) as? [String: Any] ?? [:] }
        let states = bodies.map { $0["state"] as? String }
        #expect(states == ["pending", "success"])
        #expect(statuses.allSatisfy { $0.authorization == "Bearer ghs_forge-token-0123" && $0.headers["accept"] == "application/vnd.github+json" })
        let success = bodies.last ?? [:]
        #expect(success["context"] as? String == "continuum/apply" && success["target_url"] as? String == "https://continuum.example/status")
        #expect((success["description"] as? String)?.hasPrefix("Plan: 2 to add") == true, "\(success)")
        let events = forge.received.filter { $0.path == "/events" }
        #expect(events.count == 1, "only the events it asked for")
        #expect(events.first?.headers["content-type"] == "application/cloudevents+json; charset=utf-8")
        #expect(forge.received.contains { $0.path == "/broken" }, "the failing target was tried")
    }

    @Test func aFailureThatRepeatsIsSentOnceUntilTheOutcomeChanges() async throws {
        let hooks = try await ScriptedHTTPServer()
        defer { hooks.stop() }
        hooks.script("POST", "/hook", .init(status: 204))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let notifier = Notifier(
            targets: [NotificationTarget(name: "hook", kind: .webhook, url: try #require(URL(string: hooks.url + "/hook")), allowPlaintext: true)],
            secretsDirectory: nil, source: "continuum/test", logger: logger)
        let (a, b) = (String(repeating: "a", count: 40), String(repeating: "b", count: 40))
        let posted: [(NotificationTarget.Event, String)] = [
            (.failed, a), (.failed, a), (.failed, a),  // retries with backoff: once
            (.applied, a), (.failed, a),  // a new failure after a success: sent
            (.held, b), (.held, b), (.failed, b), (.rejected, b), (.rejected, b),  // rejections are not collapsed
        ]
        for (event, commit) in posted { notifier.post(ReconcileNotice(event: event, commit: commit, summary: "s", message: "m")) }
        notifier.finish()
        await notifier.run()
        let sent = hooks.received.compactMap { request -> String? in
            let body = (try? JSONSerialization.jsonObject(with: Data(request.body.utf8))) as? [String: Any]
            return (body?["event"] as? String).map { "\($0) \((body?["commit"] as? String)?.prefix(1) ?? "")" }
        }
        #expect(sent == ["failed a", "applied a", "failed a", "held b", "failed b", "rejected b", "rejected b"])
    }
}
