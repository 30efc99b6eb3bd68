import ContinuumApply
import ContinuumEngine
import ContinuumOpenNebula
import ContinuumProvider
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// Specs on a `type: opennebula` provider through an operator connection, reconciled by
/// the engine against the stand-in: the session is the operator's secret, the endpoint and
/// templates the connection's, and a spec author chooses none of them.
@Suite("OpenNebula through the engine and an operator connection")
struct OpenNebulaEngineTests {
    struct Setup {
        let lab: OpenNebulaLab
        let store: SQLiteStateStore
        let catalog: ProviderCatalog

        init(providerConfig: [String] = [], images: [String] = ["debian-12"]) throws {
            lab = try OpenNebulaLab()
            let secrets = lab.directory.url.appendingPathComponent("operator-secrets")
            try FileManager.default.createDirectory(at: secrets.appendingPathComponent("one"), withIntermediateDirectories: true)
            try Data((OpenNebulaLab.session + "\n").utf8).write(to: secrets.appendingPathComponent("one/session"))
            let connection = Connection(
                name: "one-fra", type: .opennebula,
                settings: .map([
                    FieldValue.Entry("endpoint", .string(lab.standIn.endpoint)), FieldValue.Entry("pollInterval", .string("1ms")),
                    FieldValue.Entry("templates", .map([FieldValue.Entry("debian-12-tpl", .string("7"))])),
                    FieldValue.Entry("images", .list(images.map(FieldValue.string))),
                ]),
                credentials: ["session": .file("one/session")], allowPlaintext: true)
            store = SQLiteStateStore(path: lab.directory.url.appendingPathComponent("state.db").path)
            catalog = ProviderCatalog.standard(
                simWorld: SimWorld(path: lab.directory.url.appendingPathComponent("sim.db").path), secretsDirectory: lab.directory.url.appendingPathComponent("secrets"),
                operatorConfig: OperatorConfig(secretsDirectory: secrets, connections: ["one-fra": connection]))
            let provider = (["apiVersion: continuum.dev/v1", "kind: Provider", "metadata:", "  name: one-fra", "spec:", "  type: opennebula", "  connection: one-fra"]
                + (providerConfig.isEmpty ? [] : ["  config:"] + providerConfig.map { "    \($0)" })).joined(separator: "\n")
            _ = try lab.directory.write("specs/providers.yaml", provider)
        }

        func write(vms: Int, image: String = "debian-12", cpu: String = "2") throws {
            var documents = [SpecSamples.network(provider: "one-fra")]
            for index in 0..<vms { documents.append(SpecSamples.virtualMachine("web-\(index)", provider: "one-fra", cpu: cpu, image: image)) }
            _ = try lab.directory.write("specs/fra.yaml", documents.joined(separator: "\n---\n"))
        }

        func reconcile() async throws -> ReconcileOutcome {
            let specs = try await ValidatedSpecs.load(lab.directory.url.appendingPathComponent("specs"), catalog: catalog)
            let options = ReconcileOptions(apply: ApplyOptions(parallelism: 10, maximumAttempts: 2, initialBackoff: .milliseconds(1), maximumBackoff: .milliseconds(2), attemptTimeout: .seconds(60)))
            return await Reconciler(store: store, catalog: catalog, options: options).reconcile(specs, source: "test")
        }
    }

    @Test func aFleetIsAppliedThenAQuietRefreshIsOnePoolCallPerKind() async throws {
        let setup = try Setup()
        defer { setup.lab.stop() }
        try setup.write(vms: 4)
        let outcome = try await setup.reconcile()
        guard case .applied(_, let result?) = outcome, result.succeeded, result.added == 5 else { Issue.record("not applied: \(outcome)"); return }
        let records = try await setup.store.snapshot().resources
        #expect(records.filter { $0.id.kind == .virtualMachine }.allSatisfy { $0.outputs["state"] == .string("RUNNING") && $0.providerID?.hasPrefix("vm/") == true })
        try await setup.lab.control("reset_calls")
        let again = try await setup.reconcile()
        guard case .applied(_, nil) = again else { Issue.record("not a no-op: \(again)"); return }
        let calls = try await setup.lab.calls()
        #expect(calls["one.vmpool.infoextended"] == 1 && calls["one.vnpool.info"] == 1 && calls["one.vm.info"] == nil && calls["one.vn.info"] == nil,
            "a quiet refresh of 4 VMs and a network reads no object one by one: \(calls)")
        // Drift on the front-end (someone powers web-2 off) is found and corrected.
        let web2 = try #require(records.first { $0.id == ResourceID(.virtualMachine, "web-2") }?.providerID)
        try await setup.lab.control("vm_state", [.int(OpenNebulaLab.number(web2)), .int(8), .int(0)])
        let corrected = try await setup.reconcile()
        guard case .applied(let planned, let fixed?) = corrected, fixed.changed == 1 else { Issue.record("drift not corrected: \(corrected)"); return }
        #expect(planned.drift.drifted == [ResourceID(.virtualMachine, "web-2")])
        #expect(try #require(try await setup.store.snapshot().resources.first { $0.providerID == web2 }).outputs["state"] == .string("RUNNING"))
    }

    @Test func theSpecCannotChooseTheEndpointTheCAOrTheTemplateMapping() async throws {
        let attacker = try await ScriptedHTTPServer()
        defer { attacker.stop() }
        // The spec names its own endpoint, CA, templates and images: none is tunable.
        let setup = try Setup(providerConfig: [
            "endpoint: \(attacker.url)/RPC2", "templates: {evil: \"3\"}", "images: [evil, debian-12]", "caFile: /etc/shadow",
        ])
        defer { setup.lab.stop() }
        try setup.write(vms: 1, image: "evil")
        let refusal = await #expect(throws: DiagnosticsError.self) { _ = try await setup.reconcile() }
        let text = refusal.map { "\($0)" } ?? ""
        for key in ["endpoint", "templates", "images", "caFile"] {
            #expect(text.contains("spec.config.\(key): set by the operator for connection 'one-fra'"), "\(key): \(text)")
        }
        #expect(attacker.received.isEmpty, "the attacker's endpoint received \(attacker.received)")
        #expect(try await setup.lab.calls().isEmpty, "nothing reached the front-end")
    }

    @Test func theSpecCannotCarryTheSession() async throws {
        let setup = try Setup()
        defer { setup.lab.stop() }
        _ = try setup.lab.directory.write("specs/providers.yaml", "apiVersion: continuum.dev/v1\nkind: Provider\nmetadata:\n  name: one-fra\nspec:\n  type: opennebula\n  connection: one-fra\n  credentials:\n    session: {env: HOME}\n")
        try setup.write(vms: 1)
        let refusal = await #expect(throws: DiagnosticsError.self) { _ = try await setup.reconcile() }
        #expect("\(refusal.map { "\($0)" } ?? "")".contains("spec.credentials"), "\(String(describing: refusal))")
        #expect(try await setup.lab.calls().isEmpty)
    }

    @Test func aVMMovesBetweenFrontEndsCreateBeforeDestroy() async throws {
        // Two countries, two front-ends, two connections.
        let setup = try Setup()
        defer { setup.lab.stop() }
        let other = try OpenNebulaStandIn(in: setup.lab.directory.url.appendingPathComponent("es"), arguments: ["--session", "bio:other-pw", "--image", "debian-12"])
        defer { other.stop() }
        let secrets = setup.lab.directory.url.appendingPathComponent("operator-secrets")
        _ = try setup.lab.directory.write("operator-secrets/one/bio-session", "bio:other-pw\n")
        var config = setup.catalog.operatorConfig
        config.connections["one-bio"] = Connection(name: "one-bio", type: .opennebula,
            settings: .map([FieldValue.Entry("endpoint", .string(other.endpoint)), FieldValue.Entry("pollInterval", .string("1ms"))]),
            credentials: ["session": .file("one/bio-session")], allowPlaintext: true)
        config.secretsDirectory = secrets
        var catalog = setup.catalog
        catalog.operatorConfig = config
        _ = try setup.lab.directory.write("specs/providers.yaml", [
            "apiVersion: continuum.dev/v1\nkind: Provider\nmetadata:\n  name: one-fra\nspec:\n  type: opennebula\n  connection: one-fra",
            "apiVersion: continuum.dev/v1\nkind: Provider\nmetadata:\n  name: one-bio\nspec:\n  type: opennebula\n  connection: one-bio",
        ].joined(separator: "\n---\n"))
        func write(on provider: String) throws {
            _ = try setup.lab.directory.write("specs/fra.yaml", [
                SpecSamples.network(provider: "one-fra"), SpecSamples.network("bio-edge", provider: "one-bio"),
                SpecSamples.virtualMachine("web-0", provider: provider, networks: [provider == "one-fra" ? "Network/fra-edge" : "Network/bio-edge"]),
            ].joined(separator: "\n---\n"))
        }
        func reconcile() async throws -> ReconcileOutcome {
            let specs = try await ValidatedSpecs.load(setup.lab.directory.url.appendingPathComponent("specs"), catalog: catalog)
            let options = ReconcileOptions(apply: ApplyOptions(parallelism: 10, maximumAttempts: 2, initialBackoff: .milliseconds(1), maximumBackoff: .milliseconds(2), attemptTimeout: .seconds(60)))
            return await Reconciler(store: setup.store, catalog: catalog, options: options).reconcile(specs, source: "test")
        }
        try write(on: "one-fra")
        guard case .applied(_, let first?) = try await reconcile(), first.succeeded else { Issue.record("not applied"); return }
        try write(on: "one-bio")
        let moved = try await reconcile()
        guard case .applied(_, let result?) = moved, result.succeeded, result.replaced == 1 else { Issue.record("not moved: \(moved)"); return }
        let order = result.report.actions.map { "\($0.action)@\($0.provider)" }
        #expect(order == ["create@one-bio", "delete@one-fra"], "create before destroy: \(order)")
        let record = try #require(try await setup.store.snapshot().resources.first { $0.id == ResourceID(.virtualMachine, "web-0") })
        #expect(record.provider == "one-bio" && record.outputs["state"] == .string("RUNNING"))
        let fra = try await OpenNebulaCrashTests.vms(setup.lab).filter { $0.state != 6 }
        #expect(fra.isEmpty, "the VM left the first front-end: \(fra)")
    }

    @Test func anImageOutsideTheConnectionsOfferIsRefusedBeforeAnyAllocation() async throws {
        let setup = try Setup()
        defer { setup.lab.stop() }
        try setup.write(vms: 1, image: "evil")
        let outcome = try await setup.reconcile()
        guard case .applied(_, let result?) = outcome else { Issue.record("not applied: \(outcome)"); return }
        let errors = result.report.actions.compactMap(\.error)
        #expect(errors.contains { $0.contains("'evil' is not one of the images connection 'one-fra' offers (debian-12-tpl, debian-12)") }, "\(errors)")
        let calls = try await setup.lab.calls()
        #expect(calls["one.template.instantiate"] == nil && calls["one.vm.allocate"] == nil, "no VM from a spec's choice: \(calls)")
        #expect(!"\(outcome)".contains("s3cret-one-pw"))
    }

    @Test func aSpecCannotNameATemplateIDAsItsImage() async throws {
        let setup = try Setup(images: ["debian-12", "7"])
        defer { setup.lab.stop() }
        // "7" is the number of the operator's template, not a name the mapping offers: it is
        // an image name (which the front-end lacks), never template 7.
        try setup.write(vms: 1, image: "\"7\"")
        _ = try await setup.reconcile()
        let calls = try await setup.lab.calls()
        #expect(calls["one.template.instantiate"] == nil, "\(calls)")
        #expect(calls["one.vm.allocate"] ?? 0 >= 1)
    }

    @Test func aKubernetesClusterOnOpenNebulaExpandsIntoMachinesAsOnLibvirt() async throws {
        let setup = try Setup()
        defer { setup.lab.stop() }
        _ = try setup.lab.directory.write("specs/fra.yaml", [SpecSamples.network(provider: "one-fra"),
            SpecSamples.kubernetesCluster("edge", provider: "one-fra", controlPlaneReplicas: 1, generalReplicas: 2)
].joined(separator: "\n---\n"))
        let specs = try await ValidatedSpecs.load(setup.lab.directory.url.appendingPathComponent("specs"), catalog: setup.catalog)
        let machines = specs.resources.filter { $0.id.kind == .virtualMachine }.map(\.id.name).sorted()
        #expect(machines.count == 3, "\(machines)")
        #expect(machines.filter { $0.hasPrefix("edge-cp-") }.count == 1 && machines.filter { $0.hasPrefix("edge-general-") }.count == 2)
    }

    /// Connections an operator may get wrong, and what `validate` says about each.
    static let connectionMistakes: [(name: String, settings: [FieldValue.Entry], credentials: [String: OperatorSecret], plaintext: Bool, expected: String)] = [
        ("no session", [FieldValue.Entry("endpoint", .string("https://one.example:2633/RPC2"))], [:], false,
            "connection 'one-fra' has no OpenNebula session: set its credentials.session"),
        ("the session in plaintext", [FieldValue.Entry("endpoint", .string("http://one.example:2633/RPC2"))], ["session": .environment("ONE_SESSION")], false,
            "connection 'one-fra' sends the OpenNebula session, and http://one.example:2633/RPC2 is not https"),
        ("no endpoint", [], ["session": .environment("ONE_SESSION")], false, "spec.config.endpoint: required: the front-end's XML-RPC URL"),
        ("a template that is no ID", [FieldValue.Entry("endpoint", .string("https://one.example:2633/RPC2")), FieldValue.Entry("templates", .map([FieldValue.Entry("debian-12", .string("seven"))]))],
            ["session": .environment("ONE_SESSION")], false, "spec.config.templates.debian-12: expected a VM template ID, a whole number"),
        ("an unknown setting", [FieldValue.Entry("endpoint", .string("https://one.example:2633/RPC2")), FieldValue.Entry("endpiont", .string("x"))],
            ["session": .environment("ONE_SESSION")], false, "spec.config.endpiont: unknown opennebula setting"),
        ("a VLAN range that is none", [FieldValue.Entry("endpoint", .string("https://one.example:2633/RPC2")), FieldValue.Entry("vlans", .string("100-5000"))],
            ["session": .environment("ONE_SESSION")], false, "spec.config.vlans: expected VLAN IDs and ranges between 1 and 4094"),
    ]

    @Test(arguments: connectionMistakes.indices)
    func aConnectionMistakeIsSaidByValidate(index: Int) async throws {
        let mistake = Self.connectionMistakes[index]
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write("specs/providers.yaml", "apiVersion: continuum.dev/v1\nkind: Provider\nmetadata:\n  name: one-fra\nspec:\n  type: opennebula\n  connection: one-fra\n")
        let connection = Connection(name: "one-fra", type: .opennebula, settings: .map(mistake.settings), credentials: mistake.credentials, allowPlaintext: mistake.plaintext)
        let catalog = ProviderCatalog.standard(simWorld: SimWorld(path: directory.url.appendingPathComponent("sim.db").path), secretsDirectory: directory.url,
            operatorConfig: OperatorConfig(connections: ["one-fra": connection]))
        let error = await #expect(throws: DiagnosticsError.self) { _ = try await ValidatedSpecs.load(directory.url.appendingPathComponent("specs"), catalog: catalog) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains(mistake.expected) && text.contains("providers.yaml:"), "\(mistake.name): \(text)")
    }
}
