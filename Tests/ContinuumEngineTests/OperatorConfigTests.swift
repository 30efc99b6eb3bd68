import ContinuumEngine
import ContinuumProvider
import ContinuumSim
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// The operator's configuration and what it lets specs do: the trust boundary between a
/// spec author (who may describe infrastructure) and the operator (who decides programs,
/// connections, secrets and tenants).
@Suite("Operator configuration")
struct OperatorConfigTests {
    static let operatorFile = OperatorConfigSample.file(secretsDirectory: "secrets", connections: [
        OperatorConfigSample.connection("fra-bmc", type: "redfish", settings: [("endpoint", "https://10.0.0.5")], tunable: ["powerTimeout"],
            credentials: [("username", "{env: FRA_USER}"), ("password", "{file: fra/password}")], extra: ["limits: {concurrency: 4}"]),
        OperatorConfigSample.connection("bio-bmc", type: "redfish", settings: [("endpoint", "https://10.0.1.5")]),
    ], tenants: [
        "  fra:", "    paths: [fra/]", "    connections: [fra-bmc]", "    kinds: [Provider, BareMetalNode, KubernetesCluster, Network, VirtualMachine]",
        "    nodeLabels: {team: fra}",
        "  bio:", "    paths: [bio/]", "    connections: [bio-bmc]",
    ])

    /// Validates `files` against the operator file; every diagnostic as a line.
    func validate(_ files: [String: String], operatorFile: String = Self.operatorFile) async throws -> [String] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try OperatorConfig.load(try directory.write("operator.yaml", operatorFile).path)
        for (path, text) in files { _ = try directory.write("specs/\(path)", text) }
        let catalog = ProviderCatalog.standard(simWorld: SimWorld(path: directory.url.appendingPathComponent("sim.db").path),
            secretsDirectory: directory.url, operatorConfig: config)
        do {
            _ = try await ValidatedSpecs.load(directory.url.appendingPathComponent("specs"), catalog: catalog)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    static let fraProvider = """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata: {name: fra-metal}
        spec:
          type: redfish
          connection: fra-bmc
        """

    @Test func aValidFleetOfTwoTenantsPasses() async throws {
        let bio = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: bio-metal}
            spec: {type: redfish, connection: bio-bmc}
            """
        #expect(try await validate(["fra/p.yaml": Self.fraProvider, "bio/p.yaml": bio]) == [])
    }

    @Test(arguments: [
        // A spec that tries to choose what the operator decides.
        ("fra/p.yaml", Self.fraProvider + "\n  config: {endpoint: \"https://evil.example\"}",
            "fra/p.yaml:7:11: error: spec.config.endpoint: set by the operator for connection 'fra-bmc'; a spec may tune only powerTimeout"),
        ("fra/p.yaml", Self.fraProvider + "\n  limits: {concurrency: 40}",
            "fra/p.yaml:7:11: error: spec.limits.concurrency: 40 is over connection 'fra-bmc''s ceiling of 4"),
        ("fra/p.yaml", Self.fraProvider.replacingOccurrences(of: "fra-bmc", with: "fra-bcm"),
            "fra/p.yaml:6:15: error: spec.connection: no connection named 'fra-bcm' (did you mean 'fra-bmc'?)"),
        // Another team's connection, provider or nodes.
        ("fra/p.yaml", Self.fraProvider.replacingOccurrences(of: "connection: fra-bmc", with: "connection: bio-bmc"),
            "fra/p.yaml:6:15: error: spec.connection: tenant 'fra' may not use connection 'bio-bmc'"),
        ("shared/p.yaml", Self.fraProvider, "shared/p.yaml:3:11: error: Provider/fra-metal is in no tenant's directory"),
    ])
    func aSpecIsRefusedWhereItReachesPastTheOperator(path: String, yaml: String, expected: String) async throws {
        let lines = try await validate([path: yaml])
        #expect(lines.contains { $0.hasPrefix(expected) }, "\(lines)")
    }

    @Test func aTenantCannotUseAnotherTenantsProviderOrNodes() async throws {
        let bio = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: bio-metal}
            spec: {type: redfish, connection: bio-bmc}
            ---
            apiVersion: continuum.dev/v1
            kind: BareMetalNode
            metadata: {name: bio-node, labels: {team: bio}}
            spec: {provider: bio-metal, systemId: /redfish/v1/Systems/1, image: "https://images/debian.iso"}
            """
        let fra = """
            apiVersion: continuum.dev/v1
            kind: BareMetalNode
            metadata: {name: fra-node}
            spec: {provider: bio-metal, systemId: /redfish/v1/Systems/2, image: "https://images/debian.iso"}
            """
        let lines = try await validate(["bio/p.yaml": bio, "fra/n.yaml": fra, "fra/p.yaml": Self.fraProvider])
        #expect(lines.contains { $0.contains("fra/n.yaml:4:18: error: spec.provider: Provider/bio-metal belongs to tenant 'bio', not 'fra'") }, "\(lines)")
    }

    @Test func aClusterCannotTakeAnotherTenantsNodes() async throws {
        let bio = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: bio-metal}
            spec: {type: redfish, connection: bio-bmc}
            ---
            apiVersion: continuum.dev/v1
            kind: BareMetalNode
            metadata: {name: bio-node, labels: {team: fra}}
            spec: {provider: bio-metal, systemId: /redfish/v1/Systems/1, image: "https://images/debian.iso"}
            """
        let bioCluster = SpecSamples.file(
            SpecSamples.provider("bio-sim"), SpecSamples.network(provider: "bio-sim"),
            SpecSamples.kubernetesCluster("grab", provider: "bio-sim").replacingOccurrences(of: "{pool: metal}", with: "{team: fra}"))
        let fraNode = """
            apiVersion: continuum.dev/v1
            kind: BareMetalNode
            metadata: {name: fra-node, labels: {team: fra}}
            spec: {provider: fra-metal, systemId: /redfish/v1/Systems/2, image: "https://images/debian.iso"}
            """
        let captured = try await validate(["bio/p.yaml": bio, "fra/p.yaml": Self.fraProvider, "fra/n.yaml": fraNode, "bio/c.yaml": bioCluster])
        #expect(captured.contains { $0.contains("selects BareMetalNode/fra-node, which belongs to tenant 'fra'") }, "\(captured)")
    }

    @Test func withoutAConfigurationOnlySimProvidersWork() async throws {
        let lines = try await validate(["fra/p.yaml": Self.fraProvider], operatorFile: "apiVersion: continuum.dev/v1\nkind: OperatorConfig\n")
        #expect(lines.contains { $0.contains("fra/p.yaml:6:15: error: spec.connection: no connection named 'fra-bmc'") }, "\(lines)")
        let bare = Self.fraProvider.replacingOccurrences(of: "  connection: fra-bmc\n", with: "").replacingOccurrences(of: "\n  connection: fra-bmc", with: "")
        let noConnection = try await validate(["fra/p.yaml": bare], operatorFile: "apiVersion: continuum.dev/v1\nkind: OperatorConfig\n")
        #expect(noConnection.contains { $0.contains("error: spec.type: a redfish provider needs an operator connection") }, "\(noConnection)")
    }

    @Test(arguments: [
        ("connections:\n  x:\n    type: nope\n", "operator.yaml:5:11: error: connections.x.type: expected one of sim, libvirt, redfish, external, opennebula"),
        ("connections:\n  x:\n    type: external\n", "operator.yaml:5:5: error: connections.x.program: required for an external connection"),
        ("connections:\n  x:\n    type: external\n    program: {path: python3}\n", "operator.yaml:6:21: error: connections.x.program.path: expected an absolute path"),
        ("connections:\n  x:\n    type: redfish\n    credentials: {password: {file: ../../etc/shadow}}\n",
            "operator.yaml:6:36: error: connections.x.credentials.password.file: expected a path relative to secretsDirectory, without .."),
        ("connectoins: {}\n", "operator.yaml:3:1: error: connectoins: unknown setting (did you mean 'connections'?)"),
        ("notifications:\n  gh:\n    type: githb\n    url: https://api.github.com\n", "operator.yaml:5:11: error: notifications.gh.type: unknown type 'githb' (did you mean 'github'?)"),
        ("notifications:\n  gh:\n    type: github\n    url: https://api.github.com\n", "error: notifications.gh.repository: required for github: owner/name"),
        ("notifications:\n  hook:\n    type: webhook\n    url: http://hooks.example\n    token: {file: hook}\n",
            "operator.yaml:6:10: error: notifications.hook.url: the token would travel without TLS; use https, or set allowPlaintext: true for a lab"),
        ("notifications:\n  hook:\n    type: slack\n    url: https://hooks.example\n    events: [applied, exploded]\n",
            "error: notifications.hook.events: unknown event 'exploded'"),
        ("notifications:\n  hook:\n    type: webhook\n    url: file:///etc/passwd\n", "operator.yaml:6:10: error: notifications.hook.url: required: an http(s) URL"),
    ])
    func operatorMistakesAreLocated(body: String, expected: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("operator.yaml", "apiVersion: continuum.dev/v1\nkind: OperatorConfig\n" + body).path
        let error = #expect(throws: DiagnosticsError.self) { try OperatorConfig.load(path) }
        let lines = error?.diagnostics.map(\.description) ?? []
        #expect(lines.contains { $0.hasSuffix(expected) || $0.contains(expected) }, "\(lines)")
    }

    @Test func notificationsLoadWithTheirTokensByReference() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("operator.yaml", """
            apiVersion: continuum.dev/v1
            kind: OperatorConfig
            notifications:
              github:
                type: github
                url: https://api.github.com
                repository: fleet/specs
                token: {file: github/token}
                link: https://continuum.example/status
              chat:
                type: slack
                url: https://hooks.slack.example/T000/B000
                events: [failed, held, rejected]
            """).path
        let config = try OperatorConfig.load(path)
        let github = try #require(config.notifications["github"])
        #expect(github.kind == .github && github.repository == "fleet/specs" && github.token == .file("github/token"))
        #expect(github.events == Set(NotificationTarget.Event.allCases))
        #expect(config.notifications["chat"]?.events == [.failed, .held, .rejected])
    }

    @Test func secretFilesAreReadBeneathTheDirectoryWithoutLinks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secrets = directory.url.appendingPathComponent("secrets")
        _ = try directory.write("secrets/fra/password", "s3cret\n")
        #expect(try OperatorSecret.file("fra/password").resolve(in: secrets, provider: "p", field: "password") == "s3cret")
        try FileManager.default.createSymbolicLink(atPath: secrets.appendingPathComponent("link").path, withDestinationPath: "/etc/hostname")
        try FileManager.default.createSymbolicLink(atPath: secrets.appendingPathComponent("dir").path, withDestinationPath: "/etc")
        _ = try directory.write("secrets/big", String(repeating: "x", count: OperatorSecret.maximumFileSize + 1))
        // A mounted Kubernetes Secret: each key a link into a timestamped directory, through ..data.
        _ = try directory.write("secrets/k8s/..2026_11_29_10_00_00.123/password", "from-a-secret-volume\n")
        try FileManager.default.createSymbolicLink(atPath: secrets.appendingPathComponent("k8s/..data").path, withDestinationPath: "..2026_11_29_10_00_00.123")
        try FileManager.default.createSymbolicLink(atPath: secrets.appendingPathComponent("k8s/password").path, withDestinationPath: "..data/password")
        #expect(try OperatorSecret.file("k8s/password").resolve(in: secrets, provider: "p", field: "password") == "from-a-secret-volume")
        try FileManager.default.createSymbolicLink(atPath: secrets.appendingPathComponent("k8s/escape").path, withDestinationPath: "../../outside")
        _ = try directory.write("outside", "not a secret of this directory")
        for (path, problem) in [("link", "a symbolic link"), ("dir/hostname", "a symbolic link"), ("k8s/escape", "leads out of the secrets directory"),
            ("big", "over 64 KiB"), ("missing", "No such file")] {
            let error = #expect(throws: ProviderError.self) { try OperatorSecret.file(path).resolve(in: secrets, provider: "p", field: "password") }
            #expect(error?.message.contains(problem) == true, "\(path): \(String(describing: error))")
        }
    }

    /// A seed's URL is its short-lived token: a seed URL in plain http is refused unless
    /// the operator allows plaintext on the connection, and the error says how to fix it.
    @Test func aPlainHTTPSeedURLIsRefusedUnlessTheConnectionAllowsPlaintext() async throws {
        let provider = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: lab-metal}
            spec: {type: redfish, connection: lab-bmc}
            """
        func operatorFile(seedURL: String, allowPlaintext: Bool) -> String {
            OperatorConfigSample.file(connections: [
                OperatorConfigSample.connection("lab-bmc", type: "redfish", settings: [
                    ("endpoint", "https://10.0.0.5"), ("seedDirectory", "/srv/seeds"), ("seedURL", "\"\(seedURL)\""),
                ], allowPlaintext: allowPlaintext),
            ])
        }
        let refused = try await validate(["p.yaml": provider], operatorFile: operatorFile(seedURL: "http://10.0.0.2:8080/seeds", allowPlaintext: false))
        #expect(refused.count == 1, "\(refused)")
        let line = try #require(refused.first)
        #expect(line.hasPrefix("p.yaml:") && line.contains("spec.config.seedURL: http://10.0.0.2:8080/seeds is not https"), "\(line)")
        #expect(line.contains("serve seedDirectory over https (without directory listings), or set allowPlaintext: true on the connection 'lab-bmc' for a lab"), "\(line)")
        #expect(try await validate(["p.yaml": provider], operatorFile: operatorFile(seedURL: "https://10.0.0.2:8443/seeds", allowPlaintext: false)) == [])
        #expect(try await validate(["p.yaml": provider], operatorFile: operatorFile(seedURL: "http://10.0.0.2:8080/seeds", allowPlaintext: true)) == [])
    }

    /// Skipping the verification of cluster APIs is an operator setting of a connection.
    @Test func skippingClusterAPIVerificationIsAnOperatorSettingOfAConnection() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = OperatorConfigSample.file(connections: [
            OperatorConfigSample.connection("lab-kvm", type: "libvirt", settings: [("uri", "\"qemu:///system\"")], extra: ["insecureSkipClusterVerify: true"]),
            OperatorConfigSample.connection("fra-kvm", type: "libvirt", settings: [("uri", "\"qemu:///system\"")]),
        ])
        let config = try OperatorConfig.load(try directory.write("operator.yaml", file).path)
        #expect(config.connections["lab-kvm"]?.insecureSkipClusterVerify == true)
        #expect(config.connections["fra-kvm"]?.insecureSkipClusterVerify == false)
    }
}
