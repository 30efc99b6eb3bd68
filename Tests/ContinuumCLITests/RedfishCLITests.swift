import ContinuumTesting
import Foundation
import Testing

/// `type: redfish` end to end against the real sushy-emulator: `continuum apply` provisions
/// nodes with credentials from the environment, the emulator shows it, a second plan has
/// nothing to do, and removing a node releases it. The password appears nowhere.
@Suite("Redfish provider through the CLI")
struct RedfishCLITests {
    static let password = "pw-\(UUID().uuidString.prefix(8))"

    /// The operator's side: the BMC, its credentials (user from the environment, password
    /// from a file beneath the secrets directory), plaintext allowed for the emulator's http.
    static func operatorConfig(_ emulator: SushyEmulator, allowPlaintext: Bool = true) -> String {
        OperatorConfigSample.file(secretsDirectory: "secrets", connections: [
            OperatorConfigSample.connection("lab-bmc", type: "redfish", settings: [("endpoint", emulator.endpoint), ("pollInterval", "200ms")],
                tunable: ["powerTimeout"], credentials: [("username", "{env: LAB_BMC_USER}"), ("password", "{file: bmc/password}")],
                allowPlaintext: allowPlaintext),
        ])
    }

    static func spec(_ emulator: SushyEmulator, images: StaticFileServer, nodes: [Int]) -> String {
        let provider = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata:
              name: lab-bmc
            spec:
              type: redfish
              connection: lab-bmc
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
        let environment = ["LAB_BMC_USER": "admin", "CONTINUUM_CONFIG": try directory.write("operator.yaml", Self.operatorConfig(emulator)).path]
        _ = try directory.write("spec/metal.yaml", Self.spec(emulator, images: images, nodes: [0, 1]))

        let withoutSecret = try CLIRunner.run(["apply", "spec", "--auto-approve"], in: directory.url, environment: environment)
        #expect(withoutSecret.status != 0)
        #expect(withoutSecret.stdout.contains("cannot read secret file bmc/password"), "\(withoutSecret.stdout)\(withoutSecret.stderr)")
        #expect(try await emulator.powerState(0) == "Off", "nothing was done")
        #expect(try await emulator.cd(0)["Inserted"] as? Bool == false)

        _ = try directory.write("secrets/bmc/password", Self.password + "\n")
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

    /// Credentials are the operator's: a spec cannot name them, they travel over http only
    /// where the connection allows plaintext, and a secret file is never read through a
    /// symbolic link out of the secrets directory.
    @Test func credentialsStayWithTheOperatorsConnection() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let plaintext = try directory.write("plaintext.yaml", OperatorConfigSample.file(secretsDirectory: "secrets", connections: [
            OperatorConfigSample.connection("lab-bmc", type: "redfish", settings: [("endpoint", "http://127.0.0.1:9")],
                credentials: [("username", "{env: LAB_BMC_USER}"), ("password", "{file: bmc/password}")]),
        ])).path
        _ = try directory.write("spec/p.yaml", """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: lab-bmc}
            spec:
              type: redfish
              connection: lab-bmc
              credentials:
                password: {fromFile: /proc/self/environ}
            """)
        let refused = try CLIRunner.run(["validate", "spec", "--config", plaintext], in: directory.url)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("p.yaml:8:5: error: spec.credentials: credentials belong to the operator, not to specs"), "\(refused.stderr)")
        #expect(refused.stderr.contains("p.yaml:6:15: error: spec.config.endpoint: connection 'lab-bmc' sends credentials, and http://127.0.0.1:9 is not https"), "\(refused.stderr)")

        // A symbolic link planted in the secrets directory is not followed.
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("secrets/bmc"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.url.appendingPathComponent("secrets/bmc/password").path, withDestinationPath: "/etc/hostname")
        let emulator = try SushyEmulator(in: directory.url, systems: 1, login: ("admin", Self.password))
        defer { emulator.stop() }
        let config = try directory.write("operator.yaml", Self.operatorConfig(emulator)).path
        let images = try StaticFileServer(directory: directory.url)
        defer { images.stop() }
        _ = try directory.write("spec/p.yaml", Self.spec(emulator, images: images, nodes: [0]))
        let linked = try CLIRunner.run(["apply", "spec", "--auto-approve", "--config", config], in: directory.url, environment: ["LAB_BMC_USER": "admin"])
        #expect(linked.status != 0)
        #expect(linked.stdout.contains("cannot read secret file bmc/password: a symbolic link"), "\(linked.stdout)\(linked.stderr)")
        #expect(try await emulator.powerState(0) == "Off", "nothing was done")
    }
}
