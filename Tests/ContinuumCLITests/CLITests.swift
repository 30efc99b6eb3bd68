import ContinuumTesting
import ContinuumPlanner
import Foundation
import Testing

/// The `continuum` commands end to end: exit codes, output streams, files.
@Suite("continuum CLI")
struct CLITests {
    static let quickstart = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/quickstart").standardized

    @Test func validateTheQuickstart() throws {
        let result = try CLIRunner.run(["validate", Self.quickstart.path])
        #expect(result.status == 0)
        #expect(result.stdout == "10 resources in 7 files are valid\n")
        #expect(result.stderr == "")
    }

    @Test func validateReportsEveryErrorSortedAndExitsOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("b.yaml", SpecSamples.provider() + "\n---\n" + SpecSamples.virtualMachine(cpu: "0", memory: "4GB", networks: ["Network/nope"]))
        try directory.write("a.yaml", SpecSamples.network(cidr: "10.0.0.1/8"))
        let result = try CLIRunner.run(["validate", directory.path])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == """
            a.yaml:7:9: error: spec.cidr: '10.0.0.1/8' has host bits set; did you mean '10.0.0.0/8'?
            b.yaml:15:8: error: spec.cpu: 0 is out of range; it must be from 1 to 512
            b.yaml:16:11: error: spec.memory: '4GB' is not a quantity; write a whole number with an optional suffix Ki, Mi, Gi, Ti, Pi, Ei (binary) or k, M, G, T, P, E (decimal), for example 512Mi or 4Gi
            b.yaml:18:14: error: spec.networks: Network/nope is not defined in this repository; define it, or correct the reference
            4 errors found.

            """)
    }

    @Test func planTheQuickstartWithDetailedExitCode() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try CLIRunner.run(["plan", Self.quickstart.path, "--detailed-exitcode"], in: directory.url)
        #expect(result.status == 2)
        #expect(result.stdout.hasSuffix("Plan: 8 to add, 0 to change, 0 to replace, 0 to destroy.\n"))
        #expect(!result.stdout.contains("\u{1B}["), "no colour without a TTY")
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".continuum/state.db").path), "plan does not create the state")
    }

    @Test func planExitsZeroWithoutDetailedExitCode() throws {
        let result = try CLIRunner.run(["plan", Self.quickstart.path, "--state", "/nonexistent-dir/state.db"])
        #expect(result.status == 0)
    }

    @Test func planWritesASavedPlanWithTheStateSerial() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let out = directory.url.appendingPathComponent("plan.bin")
        let result = try CLIRunner.run(["plan", Self.quickstart.path, "--format", "json", "--out", out.path, "--state", directory.url.appendingPathComponent("s.db").path])
        #expect(result.status == 0)
        let saved = try SavedPlanReader.read([UInt8](Data(contentsOf: out)))
        #expect(saved.stateSerial == 0)
        #expect(saved.changes.count == 8)
        #expect(!result.stdout.contains("\n  "), "compact JSON without --pretty")
        #expect(try PlanJSONCoder.decode(Data(result.stdout.utf8)) == saved, "standard output shows the same plan, as JSON")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".partial-") }
        #expect(leftovers.isEmpty)
    }

    @Test func planOutWithTheDefaultFormatPrintsTheHumanPlan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let out = directory.url.appendingPathComponent("plan.bin")
        let result = try CLIRunner.run(["plan", Self.quickstart.path, "--out", out.path, "--state", directory.url.appendingPathComponent("s.db").path])
        #expect(result.status == 0)
        #expect(result.stdout.hasSuffix("Plan: 8 to add, 0 to change, 0 to replace, 0 to destroy.\n"))
        #expect(SavedPlanFormat.isSavedPlan([UInt8](try Data(contentsOf: out))))
    }

    @Test func prettyJSONIsTheIndentedForm() throws {
        let compact = try CLIRunner.run(["plan", Self.quickstart.path, "--format", "json", "--state", "/nonexistent-dir/s.db"])
        let pretty = try CLIRunner.run(["plan", Self.quickstart.path, "--format", "json", "--pretty", "--state", "/nonexistent-dir/s.db"])
        #expect(pretty.stdout.hasPrefix("{\n  \"changes\" : [\n"))
        #expect(try PlanJSONCoder.decode(Data(pretty.stdout.utf8)) == PlanJSONCoder.decode(Data(compact.stdout.utf8)))
        let refused = try CLIRunner.run(["plan", Self.quickstart.path, "--pretty", "--state", "/nonexistent-dir/s.db"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--pretty goes with --format json"))
    }

    @Test func anUnwritablePlanFileIsAClearError() throws {
        let result = try CLIRunner.run(["plan", Self.quickstart.path, "--out", "/nonexistent-dir/plan.bin", "--state", "/nonexistent-dir/s.db"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("/nonexistent-dir/plan.bin: error: cannot write"))
    }

    @Test func planMarkdownIsReadyForAPullRequest() throws {
        let result = try CLIRunner.run(["plan", Self.quickstart.path, "--format", "markdown", "--state", "/nonexistent-dir/state.db"])
        #expect(result.stdout.hasPrefix("### Continuum plan\n\n**Plan: 8 to add, 0 to change, 0 to replace, 0 to destroy.**"))
        #expect(result.stdout.contains("<details><summary><code>+ VirtualMachine/web-1</code></summary>"))
    }

    @Test func planOfAnInvalidRepositoryExitsOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("a.yaml", "kind: Nope\n")
        let result = try CLIRunner.run(["plan", directory.path, "--detailed-exitcode"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("a.yaml:1:7: error: kind: 'Nope' is not valid"))
    }

    @Test func aDamagedStateFileIsAClearErrorNamingIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try directory.write("state.db", "garbage")
        let result = try CLIRunner.run(["plan", Self.quickstart.path, "--detailed-exitcode"], environment: ["CONTINUUM_STATE": state.path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix(state.path + ": error: "))
    }

    @Test(arguments: ["dot", "json"])
    func graphFormats(_ format: String) throws {
        let result = try CLIRunner.run(["graph", Self.quickstart.path, "--format", format])
        #expect(result.status == 0)
        if format == "dot" {
            #expect(result.stdout.hasPrefix("digraph continuum {"))
            #expect(result.stdout.contains("\"KubernetesCluster/bio-k8s\" -> \"BareMetalNode/bio-metal-1\";"))
        } else {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect((json["nodes"] as? [Any])?.count == 10)
            let edges = try #require(json["edges"] as? [[String: String]])
            #expect(edges.contains(["from": "VirtualMachine/web-2", "to": "VirtualMachine/web-1"]))
        }
    }

    @Test func theSameRepositoryGivesTheSameOutputByteForByte() throws {
        let first = try CLIRunner.run(["plan", Self.quickstart.path, "--format", "json", "--state", "/nonexistent-dir/s.db"])
        let second = try CLIRunner.run(["plan", Self.quickstart.path, "--format", "json", "--state", "/nonexistent-dir/s.db"])
        #expect(first.stdout == second.stdout)
        #expect(!first.stdout.isEmpty)
    }
}
