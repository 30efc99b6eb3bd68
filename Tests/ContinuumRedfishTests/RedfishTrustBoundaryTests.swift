import ContinuumProvider
import ContinuumRedfish
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// The trust boundary: a spec author chooses a node's `systemId` but never where the BMC's
/// credentials go. A `ScriptedHTTPServer` plays the attacker's host, which must receive
/// nothing, and the endpoint, which must receive nothing before the check either.
@Suite("Redfish provider: credentials go to the endpoint only")
struct RedfishTrustBoundaryTests {
    static let login = (username: "admin", password: "s3cret-pw")

    /// `systemId`s that are not `/redfish/v1/Systems/<id>`; `{attacker}` is the attacker's
    /// base URL, `{attacker-host}` its host and port, `{endpoint}` the endpoint's base URL.
    static let foreignSystemIds = [
        "{attacker}/redfish/v1/Systems/1",
        "{endpoint}/redfish/v1/Systems/1",
        "//{attacker-host}/redfish/v1/Systems/1",
        "//evil/x",
        "/redfish/v1/Systems/../../x",
        "/redfish/v1/Systems/..",
        "/redfish/v1/Systems/%2e%2e",
        "/redfish/v1/Systems/1/../../../../x",
        "/redfish/v1/Managers/1",
        "/redfish/v1/Systems/1?$expand=*",
        "/redfish/v1/Systems/1?redirect={attacker}",
        "/redfish/v1/Systems/1#fragment",
        "/redfish/v1/Systems/1/VirtualMedia",
        "/redfish/v1/Systems/",
        "redfish/v1/Systems/1",
        "/redfish/v1/Systems/a b",
        "",
    ]

    @Test(arguments: foreignSystemIds)
    func aSystemIdThatIsNotASystemPathIsRefusedBeforeAnyRequest(systemId template: String) async throws {
        let endpoint = try await ScriptedHTTPServer(), attacker = try await ScriptedHTTPServer()
        defer {
            endpoint.stop()
            attacker.stop()
        }
        let systemId = template.replacingOccurrences(of: "{attacker-host}", with: "127.0.0.1:\(attacker.port)")
            .replacingOccurrences(of: "{attacker}", with: attacker.url).replacingOccurrences(of: "{endpoint}", with: endpoint.url)
        let provider = try RedfishProvider(name: "lab-bmc", config: try RedfishProviderTests.config(endpoint.url), credentials: Self.login)
        let request = ProviderRequest(id: ResourceID(.bareMetalNode, "node-0"),
            spec: RedfishProviderTests.spec(systemId: systemId, image: "\(endpoint.url)/debian-12.iso", bootMode: "UEFI", power: "on"),
            idempotencyKey: "key-0", providerID: systemId)
        let expected = "\"\(systemId)\" is not a Redfish system path: expected /redfish/v1/Systems/<id>"
        for operation in ["create", "update"] {
            let error = await #expect(throws: ProviderError.self) {
                if operation == "create" {
                    _ = try await provider.create(request)
                } else {
                    _ = try await provider.update(request)
                }
            }
            #expect(error?.code == .invalidRequest)
            #expect(error?.message.hasPrefix("spec.systemId \(expected)") == true, "\(operation): \(String(describing: error))")
        }
        for operation in ["read", "delete"] {
            let error = await #expect(throws: ProviderError.self) {
                if operation == "read" {
                    _ = try await provider.read(.bareMetalNode, providerID: systemId)
                } else {
                    try await provider.delete(.bareMetalNode, providerID: systemId, idempotencyKey: "key-0")
                }
            }
            #expect(error?.message.hasPrefix("the provider id (spec.systemId) \(expected)") == true, "\(operation): \(String(describing: error))")
        }
        #expect(attacker.received.isEmpty, "the attacker's host received \(attacker.received)")
        #expect(endpoint.received.isEmpty, "nothing is sent before the check: \(endpoint.received)")
    }
}
