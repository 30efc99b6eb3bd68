import ContinuumTesting
import Foundation
import Testing

/// `type: external` end to end: `continuum apply` drives the example provider program, a
/// second plan has nothing to do, and removing a resource deletes its object.
@Suite("External provider through the CLI")
struct ExternalProviderCLITests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/providers/jsonfiles.py").path

    static func spec(vms: [String]) -> String {
        let provider = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata:
              name: de-fra-cloud
            spec:
              type: external
              connection: files
              site: de-fra
            """
        return ([provider, SpecSamples.network()] + vms.map { SpecSamples.virtualMachine($0) }).joined(separator: "\n---\n") + "\n"
    }

    /// The operator's side: the program and where it keeps its objects.
    static func operatorConfig(objects: URL) -> String {
        OperatorConfigSample.file(connections: [
            OperatorConfigSample.connection("files", type: "external", settings: [("directory", objects.path)], tunable: ["timeout"],
                program: ("/usr/bin/python3", [example])),
        ])
    }

    @Test func applyPlanAndPruneThroughAnExternalProvider() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let objects = directory.url.appendingPathComponent("objects")
        let config = try directory.write("operator.yaml", Self.operatorConfig(objects: objects)).path
        _ = try directory.write("spec/fleet.yaml", Self.spec(vms: ["web-1", "web-2"]))
        let apply = try CLIRunner.run(["apply", "spec", "--auto-approve", "--config", config], in: directory.url)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete! Resources: 3 added"))
        let files = try FileManager.default.contentsOfDirectory(atPath: objects.path).sorted()
        #expect(files == ["network-fra-edge.json", "virtualmachine-web-1.json", "virtualmachine-web-2.json"])

        let plan = try CLIRunner.run(["plan", "spec", "--detailed-exitcode", "--config", config], in: directory.url)
        #expect(plan.status == 0, "read back through the protocol, the objects match the spec: \(plan.stdout)")

        _ = try directory.write("spec/fleet.yaml", Self.spec(vms: ["web-1"]))
        let prune = try CLIRunner.run(["apply", "spec", "--auto-approve", "--config", config], in: directory.url)
        #expect(prune.stdout.contains("0 added, 0 changed, 0 replaced, 1 destroyed"))
        #expect(!FileManager.default.fileExists(atPath: objects.appendingPathComponent("virtualmachine-web-2.json").path))
    }

    /// A spec may describe, never choose a program: one that names a command, or an external
    /// provider without a connection, is refused at the line that tries, and nothing runs.
    @Test(arguments: [
        ("connection: files\n  config: {command: [/bin/sh, -c, \"touch PWNED\"]}",
            "p.yaml:8:11: error: spec.config.command: set by the operator for connection 'files'; a spec may tune only timeout"),
        ("config: {command: [/bin/sh, -c, \"touch PWNED\"]}",
            "p.yaml:6:9: error: spec.type: an external provider needs an operator connection: set spec.connection to one of files"),
        ("connection: files\n  config: {timeout: 2h}", "p.yaml:8:11: error: spec.config.timeout: 2h is over the connection's ceiling of 5m (through connection 'files')"),
    ])
    func aSpecCannotChooseTheProgram(lines: String, error: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("operator.yaml", Self.operatorConfig(objects: directory.url.appendingPathComponent("objects"))).path
        _ = try directory.write("spec/p.yaml", """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata:
              name: odd
            spec:
              type: external
              \(lines)
            """)
        for command in [["validate", "spec"], ["plan", "spec"], ["apply", "spec", "--auto-approve"]] {
            let result = try CLIRunner.run(command + ["--config", config], in: directory.url)
            #expect(result.status == 1)
            #expect(result.stderr.contains(error), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("PWNED").path))
    }

    /// Planning a change that adds a provider (a pull request's plan) starts no program:
    /// only an apply does.
    @Test func planningANewProviderStartsNoProgram() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let started = directory.url.appendingPathComponent("STARTED").path
        let config = try directory.write("operator.yaml", OperatorConfigSample.file(connections: [
            OperatorConfigSample.connection("files", type: "external", settings: [("directory", directory.url.appendingPathComponent("objects").path)],
                program: ("/bin/sh", ["-c", "touch \(started); exec /usr/bin/python3 \(Self.example)"])),
        ])).path
        _ = try directory.write("spec/fleet.yaml", Self.spec(vms: ["web-1"]))
        let plan = try CLIRunner.run(["plan", "spec", "--config", config], in: directory.url)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("Plan: 2 to add"))
        #expect(!FileManager.default.fileExists(atPath: started), "the plan started the program")
        let apply = try CLIRunner.run(["apply", "spec", "--auto-approve", "--config", config], in: directory.url)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(FileManager.default.fileExists(atPath: started))
    }

    /// Continuum killed with SIGKILL takes its programs with it (their parent-death
    /// signal), even one that ignores SIGTERM and never reads its input again.
    @Test func aKilledContinuumTakesItsProgramWithIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pidFile = directory.url.appendingPathComponent("program.pid").path
        let script = """
            import os, signal, sys
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            sys.stdin.readline()
            print('{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":1}}', flush=True)
            sys.stdin.readline()
            with open(sys.argv[1] + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.rename(sys.argv[1] + ".tmp", sys.argv[1])
            signal.pause()
            """
        let program = try directory.write("stuck.py", script).path
        _ = try directory.write("operator.yaml", OperatorConfigSample.file(connections: [
            OperatorConfigSample.connection("files", type: "external", tunable: ["timeout"], program: ("/usr/bin/python3", [program, pidFile])),
        ]))
        _ = try directory.write("spec/fleet.yaml", Self.spec(vms: ["web-1"]))
        let apply = try CLIRunner.start(["apply", "spec", "--auto-approve", "--config", "operator.yaml"], in: directory.url)
        defer { if apply.isRunning { kill(apply.processIdentifier, SIGKILL) } }
        // The program is in its first call once it has written its PID.
        let deadline = ContinuousClock.now + .seconds(120)
        while !FileManager.default.fileExists(atPath: pidFile), apply.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8)))
        defer { kill(pid, SIGKILL) }
        kill(apply.processIdentifier, SIGKILL)
        apply.waitUntilExit()
        while ProcessTable.isAlive(pid), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!ProcessTable.isAlive(pid), "the program outlived the Continuum that started it")
    }

}
