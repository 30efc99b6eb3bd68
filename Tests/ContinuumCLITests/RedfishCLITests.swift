import ContinuumTesting
import Foundation
import Testing

/// `type: redfish` end to end against the real sushy-emulator: `continuum apply` provisions
/// nodes with credentials from the environment, the emulator shows it, a second plan has
/// nothing to do, and removing a node releases it. The password appears nowhere.
@Suite("Redfish provider through the CLI")
struct RedfishCLITests {
    static let password = "pw-\(UUID().uuidString.prefix(8))"

    static func spec(_ emulator: SushyEmulator, images: StaticFileServer, nodes: [Int]) -> String {
        let provider = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata:
              name: lab-bmc
            spec:
              type: redfish
              config:
                endpoint: \(emulator.endpoint)
                pollInterval: 200ms
              credentials:
                username: {fromEnv: LAB_BMC_USER}
                password: {fromEnv: LAB_BMC_PASSWORD}
            """
        let machines = nodes.map { index in
            """
            apiVersion: continuum.dev/v1
            kind: BareMetalNode
            metadata:
              name: node-\(index)
            spec:
              provider: lab-bmc
              systemId: \(emulator.systemPath(index))
              image: \(images.url("installer.iso"))
              power: \(index == 0 ? "on" : "off")
            """
        }
        return ([provider] + machines).joined(separator: "\n---\n") + "\n"
    }

    @Test func applyPlanAndReleaseBareMetalNodes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let served = directory.url.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        try Data("installer\n".utf8).write(to: served.appendingPathComponent("installer.iso"))
        let images = try StaticFileServer(directory: served)
        defer { images.stop() }
        let emulator = try SushyEmulator(in: directory.url, systems: 2, login: ("admin", Self.password))
        defer { emulator.stop() }
        let environment = ["LAB_BMC_USER": "admin", "LAB_BMC_PASSWORD": Self.password]
        _ = try directory.write("spec/metal.yaml", Self.spec(emulator, images: images, nodes: [0, 1]))

        let withoutSecret = try CLIRunner.run(["apply", "spec", "--auto-approve"], in: directory.url, environment: ["LAB_BMC_USER": "admin"])
        #expect(withoutSecret.status != 0)
        #expect(withoutSecret.stdout.contains("the environment variable LAB_BMC_PASSWORD is not set"), "\(withoutSecret.stdout)\(withoutSecret.stderr)")
        #expect(try await emulator.powerState(0) == "Off", "nothing was done")
        #expect(try await emulator.cd(0)["Inserted"] as? Bool == false)

        let apply = try CLIRunner.run(["apply", "spec", "--auto-approve"], in: directory.url, environment: environment)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete! Resources: 2 added"))
        #expect(try await emulator.powerState(0) == "On")
        #expect(try await emulator.powerState(1) == "Off")
        #expect(try await emulator.cd(1)["Image"] as? String == images.url("installer.iso"))

        let plan = try CLIRunner.run(["plan", "spec", "--detailed-exitcode"], in: directory.url, environment: environment)
        #expect(plan.status == 0, "read back from the BMC, the nodes match the spec: \(plan.stdout)")

        _ = try directory.write("spec/metal.yaml", Self.spec(emulator, images: images, nodes: [1]))
        let release = try CLIRunner.run(["apply", "spec", "--auto-approve"], in: directory.url, environment: environment)
        #expect(release.stdout.contains("0 added, 0 changed, 0 replaced, 1 destroyed"), "\(release.stdout)\(release.stderr)")
        #expect(try await emulator.powerState(0) == "Off")
        #expect(try await emulator.cd(0)["Inserted"] as? Bool == false)

        let state = try Data(contentsOf: directory.url.appendingPathComponent(".continuum/state.db"))
        for output in [withoutSecret.stdout, withoutSecret.stderr, apply.stdout, apply.stderr, plan.stdout, release.stdout, release.stderr] {
            #expect(!output.contains(Self.password))
        }
        #expect(state.range(of: Data(Self.password.utf8)) == nil, "the password is not in the state")
    }
}
