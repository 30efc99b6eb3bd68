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

    /// A port for a controller's listener: below Linux's ephemeral range (32768 and up),
    /// where the tests' own loopback connections and port-0 servers take theirs, so that
    /// only another test choosing the same number could collide.
    static func listenPort() -> Int {
        Int.random(in: 20_000..<26_000)
    }

    /// Polls `continuum status --server` until `condition` holds on its JSON, up to `timeout`.
    static func waitForStatus(
        _ server: String, token: String? = nil, of process: Process? = nil, timeout: Duration = .seconds(120), _ condition: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline, process?.isRunning ?? true {
            let result = try CLIRunner.run(["status", "--server", server, "--format", "json"] + (token.map { ["--token-file", $0] } ?? []))
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
        let port = Self.listenPort()
        let server = "http://127.0.0.1:\(port)"
        let world = directory.url.appendingPathComponent("sim.db").path
        let controller = try CLIRunner.start([
            "controller", "--repo", repository.url, "--path", "specs", "--interval", "1s", "--drift-interval", "2s",
            "--listen", "127.0.0.1:\(port)", "--state", directory.url.appendingPathComponent("state.db").path, "--sim-world", world,
            "--cache-dir", directory.url.appendingPathComponent("cache").path, "--log-format", "json",
        ], in: directory.url)
        defer { if controller.isRunning { kill(controller.processIdentifier, SIGKILL) } }

        let applied = try await Self.waitForStatus(server, of: controller) { $0["lastAppliedCommit"] as? String == commit }
        try #require(controller.isRunning, "the controller exited early: \(controller.output())")
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
        let deadline = ContinuousClock.now + .seconds(120)
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
        #expect(objects.contains { ($0["message"] as? String)?.hasPrefix("webhooks are not served: start with --webhook-listen") == true })
        #expect(objects.contains { $0["message"] as? String == "listening" && ($0["api"] as? String)?.hasPrefix("open to this host only") == true })
    }

    /// The operator's controls as an operator types them, against a controller subprocess:
    /// history, rollback (and its refusal of an unmerged commit), suspend, resume.
    @Test func historyRollbackSuspendAndResumeDriveTheController() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let first = try repository.commit(Self.fleet())
        let port = Self.listenPort()
        let server = "http://127.0.0.1:\(port)"
        let controller = try CLIRunner.start([
            "controller", "--repo", repository.url, "--path", "specs", "--interval", "1h",
            "--listen", "127.0.0.1:\(port)", "--state", directory.url.appendingPathComponent("state.db").path,
            "--sim-world", directory.url.appendingPathComponent("sim.db").path, "--cache-dir", directory.url.appendingPathComponent("cache").path,
        ], in: directory.url)
        defer { if controller.isRunning { kill(controller.processIdentifier, SIGKILL) } }
        _ = try await Self.waitForStatus(server, of: controller) { $0["lastAppliedCommit"] as? String == first }
        let second = try repository.commit(Self.fleet(cpu: "4"), message: "more CPUs")
        #expect(try CLIRunner.run(["reconcile", "--server", server]).status == 0)
        _ = try await Self.waitForStatus(server, of: controller) { $0["lastAppliedCommit"] as? String == second }

        let history = try CLIRunner.run(["history", "--server", server])
        #expect(history.status == 0)
        #expect(history.stdout.contains(String(first.prefix(12))) && history.stdout.contains(String(second.prefix(12))), "\(history.stdout)")

        // A branch nobody merged cannot be rolled back to: its plan is shown, the pin refused.
        try repository.git("checkout", "--quiet", "-b", "feature")
        let unmerged = try repository.commit(Self.fleet(cpu: "16"), message: "unmerged")
        try repository.git("checkout", "--quiet", "main")
        let refused = try CLIRunner.run(["rollback", "--server", server, "--to", unmerged])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is not on branch main"), "\(refused.stderr)")

        let rollback = try CLIRunner.run(["rollback", "--server", server, "--to", String(first.prefix(10))])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(rollback.stdout.contains("1 to change") && rollback.stdout.contains("pinned to commit \(first.prefix(12))"), "\(rollback.stdout)")
        let pinned = try await Self.waitForStatus(server, of: controller) { $0["lastAppliedCommit"] as? String == first }
        #expect(pinned["pinnedCommit"] as? String == first)

        #expect(try CLIRunner.run(["suspend", "--server", server]).status == 0)
        #expect(try CLIRunner.run(["resume", "--server", server, "--tracking"]).status == 0)
        let suspended = try await Self.waitForStatus(server, of: controller) { $0["phase"] as? String == "Suspended" }
        #expect(suspended["lastAppliedCommit"] as? String == first, "suspended: tracking again, nothing applied")
        #expect(try CLIRunner.run(["resume", "--server", server]).status == 0)
        let resumed = try await Self.waitForStatus(server, of: controller) { $0["lastAppliedCommit"] as? String == second }
        #expect(resumed["phase"] as? String == "Ready")
        #expect(try CLIRunner.run(["approve", "--server", server, "--commit", "HEAD"]).status != 0, "only a SHA is approved")
        kill(controller.processIdentifier, SIGTERM)
        controller.waitUntilExit()
    }

    @Test func theAPINeedsItsTokensAndTheWebhooksTheirListener() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(Self.fleet())
        let files = ["read": "read-0123456789\n", "write": "  write-9876543210\n", "secret": "hook-secret\n", "empty": " \n"]
        for (name, text) in files { try Data(text.utf8).write(to: directory.url.appendingPathComponent(name)) }
        func file(_ name: String) -> String { directory.url.appendingPathComponent(name).path }
        let port = Self.listenPort()
        let hooks = port + 6_000
        let server = "http://127.0.0.1:\(port)"
        let controller = try CLIRunner.start([
            "controller", "--repo", repository.url, "--path", "specs", "--interval", "1h", "--listen", "127.0.0.1:\(port)",
            "--webhook-listen", "127.0.0.1:\(hooks)", "--webhook-secret-file", file("secret"),
            "--api-token-file", file("read"), "--api-write-token-file", file("write"),
            "--state", file("state.db"), "--sim-world", file("sim.db"), "--cache-dir", file("cache"),
        ], in: directory.url)
        defer { if controller.isRunning { kill(controller.processIdentifier, SIGKILL) } }

        let applied = try await Self.waitForStatus(server, token: file("read"), of: controller) { $0["lastAppliedCommit"] as? String == commit }
        try #require(controller.isRunning, "the controller exited early: \(controller.output())")
        #expect(applied["phase"] as? String == "Ready")
        let anonymous = try CLIRunner.run(["status", "--server", server])
        let read = try CLIRunner.run(["status", "--server", server, "--token-file", file("write")])
        let readCannotWrite = try CLIRunner.run(["reconcile", "--server", server, "--token-file", file("read")])
        let write = try CLIRunner.run(["reconcile", "--server", server, "--token-file", file("write")])
        let empty = try CLIRunner.run(["status", "--server", server, "--token-file", file("empty")])
        // A pull request's branch, planned by the controller against the live state.
        try repository.git("checkout", "--quiet", "-b", "feature")
        let feature = try repository.commit(Self.fleet(cpu: "4"), message: "more CPUs")
        try repository.git("checkout", "--quiet", "-b", "broken")
        try repository.commit(["specs/bad.yaml": "kind: [unclosed\n"], message: "a broken file")
        let remote = try CLIRunner.run(["plan", "--server", server, "--ref", "feature", "--token-file", file("write"), "--detailed-exitcode"])
        let remoteInvalid = try CLIRunner.run(["plan", "--server", server, "--ref", "broken", "--token-file", file("write")])
        let remoteRead = try CLIRunner.run(["plan", "--server", server, "--ref", "feature", "--token-file", file("read")])
        let remoteHistory = try CLIRunner.run(["history", "--server", server, "--token-file", file("read")])
        let anonymousHistory = try CLIRunner.run(["history", "--server", server])
        kill(controller.processIdentifier, SIGTERM)
        let output = controller.output()
        controller.waitUntilExit()

        #expect(anonymous.status == 1)
        #expect(anonymous.stderr.contains("answered 401: this endpoint needs a bearer token; send the header Authorization: Bearer TOKEN"), "\(anonymous.stderr)")
        #expect(read.status == 0, "the write token may read: \(read.stderr)")
        #expect(readCannotWrite.status == 1)
        #expect(readCannotWrite.stderr.contains("answered 403: a read token cannot do this"), "\(readCannotWrite.stderr)")
        #expect(write.status == 0, "\(write.stderr)")
        #expect(empty.status != 0)
        #expect(empty.stderr.contains("the API token file is empty"), "\(empty.stderr)")
        #expect(remote.status == 2, "changes: \(remote.stderr)")
        #expect(remote.stdout.contains("~ VirtualMachine/web-1") && remote.stdout.contains("Plan: 0 to add, 1 to change"), "\(remote.stdout)")
        #expect(remote.stderr.contains("Planned commit \(feature) against the applied \(commit); digest sha256:"), "\(remote.stderr)")
        #expect(remoteInvalid.status == 1)
        #expect(remoteInvalid.stderr.contains("answered 422") && remoteInvalid.stderr.contains("\nspecs/bad.yaml:"), "\(remoteInvalid.stderr)")
        #expect(remoteRead.status == 1 && remoteRead.stderr.contains("answered 403"), "planning needs the write token: \(remoteRead.stderr)")
        #expect(remoteHistory.status == 0, "\(remoteHistory.stderr)")
        let historyLines = remoteHistory.stdout.split(separator: "\n")
        #expect(historyLines.count == 2 && historyLines[1].contains("succeeded") && historyLines[1].contains("commit \(commit.prefix(12))"), "\(remoteHistory.stdout)")
        #expect(historyLines.last?.contains(" Plan: 2 to add, 0 to change") == true, "the network and the VM: \(remoteHistory.stdout)")
        #expect(anonymousHistory.status == 1 && anonymousHistory.stderr.contains("answered 401"))
        let localHistory = try CLIRunner.run(["history", "--state", file("state.db"), "--format", "json"])
        let recorded = try JSONSerialization.jsonObject(with: Data(localHistory.stdout.utf8)) as? [[String: Any]]
        #expect(recorded?.count == 1 && recorded?.first?["source"] as? String == "commit \(commit.prefix(12))", "\(localHistory.stdout)\(localHistory.stderr)")
        #expect(output.contains("receiving webhooks") && output.contains("127.0.0.1:\(hooks)/hooks/"), "\(output)")
        #expect(output.contains("api=bearer tokens (read, write)"), "\(output)")
        #expect(!output.contains("read-0123456789") && !output.contains("write-9876543210"), "tokens are never logged")
    }

    @Test func pastTheOpenFileLimitTheListenerBacksOffAndRecovers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(Self.fleet())
        let port = Self.listenPort()
        let server = "http://127.0.0.1:\(port)"
        // 128 descriptors in all and a cap far above: the HTTP connections alone can exhaust them.
        let controller = try CLIRunner.start([
            "controller", "--repo", repository.url, "--path", "specs", "--interval", "1h", "--listen", "127.0.0.1:\(port)",
            "--http-max-connections", "1000", "--http-header-timeout", "1s",
            "--state", directory.url.appendingPathComponent("state.db").path, "--sim-world", directory.url.appendingPathComponent("sim.db").path,
            "--cache-dir", directory.url.appendingPathComponent("cache").path,
        ], in: directory.url, openFileLimit: 128)
        defer { if controller.isRunning { kill(controller.processIdentifier, SIGKILL) } }
        let applied = try await Self.waitForStatus(server, of: controller) { $0["lastAppliedCommit"] as? String == commit }
        try #require(controller.isRunning, "the controller exited early: \(controller.output())")
        #expect(applied["phase"] as? String == "Ready")

        // 200 connections that send nothing, more than the process can hold: it accepts what it
        // can, accept fails with EMFILE, and NIO's accept backoff waits a second before trying
        // again. The header timeout closes what was accepted; the next wave comes in, until all
        // 200 are served their close.
        var descriptors: [Int32] = []
        for _ in 0..<200 { descriptors.append(try TCPClient.connect(port: port)) }
        let closed = await TCPClient.waitUntilClosedByServer(descriptors, count: descriptors.count)
        for descriptor in descriptors { close(descriptor) }

        let next = try repository.commit(Self.fleet(cpu: "4"))
        let trigger = try CLIRunner.run(["reconcile", "--server", server])
        let recovered = try await Self.waitForStatus(server) { $0["lastAppliedCommit"] as? String == next }
        kill(controller.processIdentifier, SIGTERM)
        let output = controller.output()
        controller.waitUntilExit()
        #expect(closed.count == 200)
        #expect(trigger.status == 0, "the listener answers again: \(trigger.stderr)")
        #expect(recovered["lastAppliedCommit"] as? String == next, "Git fetches again after the storm")
        #expect(controller.terminationStatus == 0)
        #expect(output.contains("the open-file limit is 128 but the HTTP listeners may hold 1000 connections"), "\(output.suffix(2000))")
        #expect(!output.contains("Waiting on child channel"), "the accept loop never stopped: \(output.suffix(2000))")
    }

    @Test(arguments: [
        (["--interval", "5x"], "--interval '5x' is not a duration"),
        (["--listen", "localhost"], "--listen 'localhost' is not host:port"),
        (["--git-ssh-key", "/tmp/key"], "--git-ssh-key needs --git-known-hosts"),
        (["--branch", "main", "--tag", "v1"], "at most one of --branch, --tag and --commit"),
        (["--commit", "xyz"], "is not a commit SHA"),
        (["--path", "../elsewhere"], "must be a relative path inside the repository"),
        (["--webhook-secret-file", "/nonexistent/secret"], "/nonexistent/secret: cannot read the webhook secret file"),
        (["--listen", "0.0.0.0:0"], "--listen 0.0.0.0 is not a loopback address and no API token is configured"),
        (["--listen", ":0"], "give --api-token-file (read) and --api-write-token-file (write), or listen on 127.0.0.1 or ::1"),
        (["--webhook-listen", "0.0.0.0:0"], "--webhook-listen needs --webhook-secret-file"),
        (["--webhook-listen", "hooks"], "--webhook-listen 'hooks' is not host:port"),
        (["--listen", "127.0.0.1:8080", "--webhook-listen", "127.0.0.1:8080", "--webhook-secret-file", "/tmp/s"], "give the webhooks an address of their own"),
        (["--api-token-file", "/nonexistent/token"], "/nonexistent/token: cannot read the API read token file"),
        (["--http-idle-timeout", "soon"], "--http-idle-timeout 'soon' is not a duration"),
        (["--http-max-connections", "0"], "--http-max-connections must be at least 1"),
        (["--shards", "region"], "--shards 'region' is neither 'provider' nor a number of shards from 1 to 4096"),
        (["--shards", "0"], "write --shards provider or --shards 8"),
        (["--shards", "provider", "--shard-poll", "often"], "--shard-poll 'often' is not a duration"),
        (["--lock-renew", "soon"], "--lock-renew 'soon' is not a duration"),
        (["--lock-renew-deadline", "0s"], "--lock-renew-deadline '0s' is not a duration"),
        (["--lock-renew-deadline", "20s"], "--lock-renew 2s < --lock-renew-deadline 20s < --lock-lease 15s does not hold"),
        (["--lock-lease", "15s", "--lock-renew", "10s", "--lock-renew-deadline", "10s"], "--lock-renew 10s < --lock-renew-deadline 10s < --lock-lease 15s does not hold"),
        (["--lock-lease", "1m", "--lock-renew", "1m"], "--lock-renew 1m < --lock-renew-deadline 40s < --lock-lease 1m does not hold"),
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
