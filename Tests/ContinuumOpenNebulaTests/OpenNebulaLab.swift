import ContinuumOpenNebula
import ContinuumProvider
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// The OpenNebula stand-in on loopback and a provider for it, with the stand-in's
/// `standin.*` test controls. Its VMs change state on polls, so no test waits on time.
struct OpenNebulaLab {
    static let session = "oneadmin:s3cret-one-pw"
    let directory: TemporaryDirectory
    let standIn: OpenNebulaStandIn
    let provider: OpenNebulaProvider

    init(extra: [String] = [], settings: [FieldValue.Entry] = [], session: String = OpenNebulaLab.session) throws {
        directory = try TemporaryDirectory()
        standIn = try OpenNebulaStandIn(in: directory.url, arguments: [
            "--session", Self.session, "--readonly-session", "viewer:view-only-pw", "--image", "debian-12", "--image", "debian-13",
            "--template", "7:debian-12-template:debian-12-tpl", "--failing-image", "broken-image",
        ] + extra)
        provider = try OpenNebulaProvider(name: "one-fra", connection: "one-fra", config: try Self.config(standIn.endpoint, settings), session: session)
    }

    static func config(_ endpoint: String, _ extra: [FieldValue.Entry] = []) throws -> OpenNebulaConfig {
        try OpenNebulaConfig.parse(.map([
            FieldValue.Entry("endpoint", .string(endpoint)), FieldValue.Entry("pollInterval", .string("1ms")),
            FieldValue.Entry("templates", .map([FieldValue.Entry("debian-12-tpl", .string("7"))])),
        ] + extra)).get()
    }

    func network(_ name: String = "fra-edge", cidr: String = "10.20.0.0/24", vlan: Int? = nil, key: String? = nil, providerID: String? = nil) -> ProviderRequest {
        ProviderRequest(id: ResourceID(.network, name), spec: .object([("provider", .string("one-fra")), ("cidr", .string(cidr)), ("vlan", vlan.map(FieldValue.integer))]),
            idempotencyKey: key ?? "net-\(name)", providerID: providerID)
    }

    func machine(_ name: String = "web-1", cpu: Int = 2, memory: String = "4Gi", image: String = "debian-12", disks: [String] = [], networks: [String] = ["fra-edge"],
                 userData: String? = nil, power: String = "on", key: String? = nil, providerID: String? = nil) -> ProviderRequest {
        let quantity: (String) -> FieldValue = { text in
            if case .success(let value) = Quantity.parse(text) { .quantity(value) } else { .string(text) }
        }
        return ProviderRequest(id: ResourceID(.virtualMachine, name), spec: .object([
            ("provider", .string("one-fra")), ("cpu", .integer(cpu)), ("memory", quantity(memory)), ("image", .string(image)),
            ("disks", .list(disks.map { .object([("size", quantity($0))]) })), ("networks", .list(networks.map { .reference(ResourceID(.network, $0)) })),
            ("userData", userData.map(FieldValue.string)), ("power", .string(power)),
        ]), idempotencyKey: key ?? "vm-\(name)", providerID: providerID)
    }

    /// Calls a `standin.*` control method.
    @discardableResult
    func control(_ method: String, _ parameters: [XMLRPCValue] = []) async throws -> XMLRPCValue {
        let data = try await standIn.post(XMLRPCCodec.call("standin." + method, parameters))
        guard case .value(let value) = try XMLRPCCodec.response(data) else { throw FixtureError(message: "standin.\(method) faulted") }
        return value
    }

    /// How often the stand-in saw each OpenNebula method since the last reset.
    func calls() async throws -> [String: Int] {
        guard case .structure(let members) = try await control("calls") else { return [:] }
        var counts: [String: Int] = [:]
        for (name, value) in members { if case .int(let count) = value { counts[name] = count } }
        return counts
    }

    /// The VM's template, as the stand-in keeps it.
    func template(_ providerID: String) async throws -> String {
        try await control("vm_template", [.int(Self.number(providerID))]).description
    }

    static func number(_ providerID: String) -> Int { Int(providerID.split(separator: "/").last ?? "") ?? -1 }

    func stop() {
        standIn.stop()
        directory.remove()
    }
}
