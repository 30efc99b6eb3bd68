import ContinuumTesting
import Foundation
import Testing

/// `type: external` end to end: `continuum apply` drives the example provider program, a
/// second plan has nothing to do, and removing a resource deletes its object.
@Suite("External provider through the CLI")
struct ExternalProviderCLITests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/providers/jsonfiles.py").path

    static func spec(objects: URL, vms: [String]) -> String {
        let provider = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata:
              name: de-fra-cloud
            spec:
              type: external
              site: de-fra
              config:
                command: [python3, \(example)]
                directory: \(objects.path)
            """
        return ([provider, SpecSamples.network()] + vms.map { SpecSamples.virtualMachine($0) }).joined(separator: "\n---\n") + "\n"
    }

    @Test func applyPlanAndPruneThroughAnExternalProvider() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let objects = directory.url.appendingPathComponent("objects")
        _ = try directory.write("spec/fleet.yaml", Self.spec(objects: objects, vms: ["web-1", "web-2"]))
        let apply = try CLIRunner.run(["apply", "spec", "--auto-approve"], in: directory.url)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete! Resources: 3 added"))
        let files = try FileManager.default.contentsOfDirectory(atPath: objects.path).sorted()
        #expect(files == ["network-fra-edge.json", "virtualmachine-web-1.json", "virtualmachine-web-2.json"])

        let plan = try CLIRunner.run(["plan", "spec", "--detailed-exitcode"], in: directory.url)
        #expect(plan.status == 0, "read back through the protocol, the objects match the spec: \(plan.stdout)")

        _ = try directory.write("spec/fleet.yaml", Self.spec(objects: objects, vms: ["web-1"]))
        let prune = try CLIRunner.run(["apply", "spec", "--auto-approve"], in: directory.url)
        #expect(prune.stdout.contains("0 added, 0 changed, 0 replaced, 1 destroyed"))
        #expect(!FileManager.default.fileExists(atPath: objects.appendingPathComponent("virtualmachine-web-2.json").path))
    }

    @Test func anExternalProviderWithoutACommandIsAValidationError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write("spec/p.yaml", """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata:
              name: odd
            spec:
              type: external
              config: {directory: /tmp}
            """)
        let result = try CLIRunner.run(["validate", "spec"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.stderr.contains("p.yaml:7:11: error: spec.config.command: required"), "\(result.stderr)")
    }
}
