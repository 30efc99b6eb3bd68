import ContinuumTesting
import Foundation
import Testing

/// `continuum controller`, `status`, `reconcile` and `sim set` as a user runs them: the
/// controller a subprocess on a real Git repository, SIGTERM ending it cleanly.
@Suite("Controller command", .serialized)
struct ControllerCLITests {
    static func fleet(cpu: String = "2") -> [String: String] {
        ["specs/fleet.yaml": SpecSamples.file(SpecSamples.provider(), SpecSamples.network(), SpecSamples.virtualMachine("web-1", cpu: cpu))]
    }

    /// Polls `continuum status --server` until `condition` holds on its JSON, up to `timeout`.
    static func waitForStatus(_ server: String, timeout: Duration = .seconds(30), _ condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            let result = try CLIRunner.run(["status", "--server", server, "--format", "json"])
            if result.status == 0, let status = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] {
                last = status
                if condition(status) { return status }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return last
    }

    @Test func theControllerAppliesCorrectsDriftAnswersTheCLIAndStopsOnSIGTERM() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(Self.fleet())
        let port = Int.random(in: 20_000..<60_000)
        let server = "http://127.0.0.1:\(port)"
        let world = directory.url.appendingPathComponent("sim.db").path
        let controller = try CLIRunner.start([
            "controller", "--repo", repository.url, "--path", "specs", "--interval", "1s", "--drift-interval", "2s",
            "--listen", "127.0.0.1:\(port)", "--state", directory.url.appendingPathComponent("state.db").path, "--sim-world", world,
            "--cache-dir", directory.url.appendingPathComponent("cache").path, "--log-format", "json",
        ], in: directory.url)
        defer { if controller.isRunning { kill(controller.processIdentifier, SIGKILL) } }

        let applied = try await Self.waitForStatus(server) { $0["lastAppliedCommit"] as? String == commit }
        #expect(applied["phase"] as? String == "Ready")
        let text = try CLIRunner.run(["status", "--server", server])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Phase: Ready"))
        #expect(text.stdout.contains("Applied commit: \(commit)"))

        let drift = try CLIRunner.run(["sim", "set", "VirtualMachine/web-1", "spec.cpu=8", "--sim-world", world])
        #expect(drift.status == 0, "\(drift.stderr)")
        // Corrected within a few drift intervals. Polled through the durable evidence (the
        // world, then the state's events): a status poll can miss the one reconcile that
        // reported the drift on a loaded machine, as the next one replaces it within 2 s.
        let deadline = ContinuousClock.now + .seconds(30)
        var live = ""
        while ContinuousClock.now < deadline {
            live = try CLIRunner.run(["sim", "list", "--format", "json", "--sim-world", world]).stdout
            if live.contains("\"cpu\" : 2") || live.contains("\"cpu\":2") || live.contains("\"integer\" : 2") { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(live.contains("\"cpu\" : 2") || live.contains("\"cpu\":2") || live.contains("\"integer\" : 2"), "the drift was corrected: \(live)")
        let show = try CLIRunner.run(["state", "show", "VirtualMachine/web-1", "--state", directory.url.appendingPathComponent("state.db").path])
        #expect(show.stdout.contains("drift detected  from refresh"), "\(show.stdout)")
        #expect(show.stdout.contains("created  from commit \(commit.prefix(12))"))

        let trigger = try CLIRunner.run(["reconcile", "--server", server])
        #expect(trigger.status == 0)
        #expect(trigger.stdout.contains("Reconcile triggered"))
        #expect(trigger.stdout.contains("(trigger 1): "), "\(trigger.stdout)")

        kill(controller.processIdentifier, SIGTERM)
        let output = controller.output()
        controller.waitUntilExit()
        #expect(controller.terminationStatus == 0, "SIGTERM ends the controller cleanly")
        let lines = output.split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every log line is a JSON object: \(lines.filter { !$0.hasPrefix("{") }.prefix(3))")
        #expect(objects.contains { $0["commit"] as? String == String(commit.prefix(12)) && $0["resource"] as? String == "VirtualMachine/web-1" })
        #expect(objects.contains { $0["message"] as? String == "controller stopped" })
    }

    @Test(arguments: [
        (["--interval", "5x"], "--interval '5x' is not a duration"),
        (["--listen", "localhost"], "--listen 'localhost' is not host:port"),
        (["--git-ssh-key", "/tmp/key"], "--git-ssh-key needs --git-known-hosts"),
        (["--branch", "main", "--tag", "v1"], "at most one of --branch, --tag and --commit"),
        (["--commit", "xyz"], "is not a commit SHA"),
        (["--path", "../elsewhere"], "must be a relative path inside the repository"),
        (["--webhook-secret-file", "/nonexistent/secret"], "/nonexistent/secret: cannot read the webhook secret file"),
    ])
    func badOptionsAreRefusedWithAReason(_ options: [String], _ message: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try CLIRunner.run(["controller", "--repo", "file:///nonexistent", "--listen", "127.0.0.1:0"] + options, in: directory.url)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func statusAndReconcileSayWhenNoControllerAnswers() throws {
        for command in ["status", "reconcile"] {
            let result = try CLIRunner.run([command, "--server", "http://127.0.0.1:9"])
            #expect(result.status == 1)
            #expect(result.stderr.contains("cannot reach the controller at http://127.0.0.1:9"))
        }
    }
}
