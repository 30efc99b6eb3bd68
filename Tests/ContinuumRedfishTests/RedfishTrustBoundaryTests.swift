import ContinuumProvider
import ContinuumRedfish
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// The trust boundary: a spec author chooses a node's `systemId` but never where the BMC's
/// credentials go, and neither does whatever answers at the endpoint (a proxy, a tampered
/// BMC). No sushy-emulator sends foreign links or redirects, so here a `ScriptedHTTPServer`
/// plays the attacker's host, which must receive nothing, and, where the hostile answer
/// must come from the endpoint, the endpoint too, answering only the one document, link
/// or redirect each test scripts. The real emulator shows that same-origin redirects are
/// still followed.
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

    /// A hostile answer from the endpoint, pointing at the attacker's host.
    struct Hostile: Sendable, CustomTestStringConvertible {
        /// What it is.
        var testDescription: String
        /// What the endpoint answers: method (nil for any), path, status, `Location`, JSON;
        /// `{attacker}` stands for the attacker's base URL.
        var script: [(method: String?, path: String, status: Int, location: String?, json: String?)]
        /// Whether the provider updates the node (else it reads it).
        var update = false
    }

    static let system = #""Id": "1", "PowerState": "Off", "Boot": {"BootSourceOverrideMode": "UEFI"}"#

    static let hostileLinks = [
        Hostile(testDescription: "the session collection linked from the service root", script: [
            ("GET", "/redfish/v1", 200, nil, #"{"Links": {"Sessions": {"@odata.id": "{attacker}/redfish/v1/SessionService/Sessions"}}}"#),
        ]),
        Hostile(testDescription: "a system's VirtualMedia @odata.id", script: [
            ("GET", "/redfish/v1/Systems/1", 200, nil, #"{\#(system), "VirtualMedia": {"@odata.id": "{attacker}/redfish/v1/Systems/1/VirtualMedia"}}"#),
        ]),
        Hostile(testDescription: "a network-path @odata.id (//host/path)", script: [
            ("GET", "/redfish/v1/Systems/1", 200, nil, #"{\#(system), "VirtualMedia": {"@odata.id": "//{attacker-host}/redfish/v1/Systems/1/VirtualMedia"}}"#),
        ]),
        Hostile(testDescription: "a system's manager @odata.id", script: [
            ("GET", "/redfish/v1/Systems/1", 200, nil, #"{\#(system), "Links": {"ManagedBy": [{"@odata.id": "{attacker}/redfish/v1/Managers/1"}]}}"#),
        ]),
        Hostile(testDescription: "a virtual media collection member", script: [
            ("GET", "/redfish/v1/Systems/1", 200, nil, #"{\#(system), "VirtualMedia": {"@odata.id": "/redfish/v1/Systems/1/VirtualMedia"}}"#),
            ("GET", "/redfish/v1/Systems/1/VirtualMedia", 200, nil, #"{"Members": [{"@odata.id": "{attacker}/redfish/v1/Systems/1/VirtualMedia/Cd"}]}"#),
        ]),
        Hostile(testDescription: "the Reset action's target", script: [
            ("GET", "/redfish/v1/Systems/1", 200, nil, ##"{\##(system), "Actions": {"#ComputerSystem.Reset": {"target": "{attacker}/redfish/v1/Systems/1/Actions/ComputerSystem.Reset"}}}"##),
        ], update: true),
        Hostile(testDescription: "a task monitor's Location", script: [
            ("GET", "/redfish/v1/Systems/1", 200, nil, #"{"Id": "1", "PowerState": "On", "Boot": {"BootSourceOverrideMode": "Legacy"}}"#),
            ("PATCH", "/redfish/v1/Systems/1", 202, "{attacker}/redfish/v1/TaskService/Tasks/1", nil),
        ], update: true),
    ]

    @Test(arguments: hostileLinks)
    func aLinkToAnotherOriginIsRefusedAndTheAttackerReceivesNothing(_ hostile: Hostile) async throws {
        try await Self.expectRefused(hostile, message: "is not the BMC endpoint's")
    }

    static let redirects = [
        Hostile(testDescription: "a 302 for a GET", script: [
            ("GET", "/redfish/v1/Systems/1", 302, "{attacker}/redfish/v1/Systems/1", nil),
        ]),
        Hostile(testDescription: "a 301 to a network-path reference", script: [
            ("GET", "/redfish/v1/Systems/1", 301, "//{attacker-host}/redfish/v1/Systems/1", nil),
        ]),
        Hostile(testDescription: "a 307 for a PATCH (it keeps the method and body)", script: [
            ("GET", "/redfish/v1/Systems/1", 200, nil, #"{"Id": "1", "PowerState": "On", "Boot": {"BootSourceOverrideMode": "Legacy"}}"#),
            ("PATCH", "/redfish/v1/Systems/1", 307, "{attacker}/redfish/v1/Systems/1", nil),
        ], update: true),
        Hostile(testDescription: "a 308 for the service root, before the login", script: [
            ("GET", "/redfish/v1", 308, "{attacker}/redfish/v1", nil),
        ]),
    ]

    @Test(arguments: redirects)
    func aRedirectToAnotherOriginIsRefusedNotFollowed(_ hostile: Hostile) async throws {
        try await Self.expectRefused(hostile, message: "refused the redirect of")
    }

    /// Runs `hostile` against a provider with credentials: the operation fails with an
    /// error naming both origins, and the attacker's host receives no request at all.
    static func expectRefused(_ hostile: Hostile, message: String) async throws {
        let endpoint = try await ScriptedHTTPServer(), attacker = try await ScriptedHTTPServer()
        defer {
            endpoint.stop()
            attacker.stop()
        }
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "{attacker-host}", with: "127.0.0.1:\(attacker.port)").replacingOccurrences(of: "{attacker}", with: attacker.url)
        }
        for (method, path, status, location, json) in hostile.script {
            endpoint.script(method, path, .init(status: status, location: location.map(fill), json: json.map(fill)))
        }
        let provider = try RedfishProvider(name: "lab-bmc", config: try RedfishProviderTests.config(endpoint.url), credentials: login)
        let error = await #expect(throws: ProviderError.self) {
            if hostile.update {
                let spec = RedfishProviderTests.spec(systemId: "/redfish/v1/Systems/1", image: "\(endpoint.url)/debian-12.iso", bootMode: "UEFI", power: "on")
                _ = try await provider.update(ProviderRequest(id: ResourceID(.bareMetalNode, "node-1"), spec: spec, idempotencyKey: "k", providerID: "/redfish/v1/Systems/1"))
            } else {
                _ = try await provider.read(.bareMetalNode, providerID: "/redfish/v1/Systems/1")
            }
        }
        #expect(error?.code == .invalidRequest)
        #expect(error?.isRetryable == false)
        let text = error?.message ?? ""
        #expect(text.contains(message), "\(text)")
        #expect(text.contains("its origin http://127.0.0.1:\(attacker.port) is not the BMC endpoint's (http://127.0.0.1:\(endpoint.port))"), "\(text)")
        #expect(error?.description.contains(login.password) == false)
        #expect(attacker.received.isEmpty, "the attacker's host received \(attacker.received)")
        #expect(!endpoint.received.isEmpty, "the endpoint was asked")
    }

    @Test func theEndpointItselfStillGetsTheCredentials() async throws {
        // The control for the tests above: the same provider sends Basic auth to the
        // endpoint (a service root without sessions), so an empty attacker log means refused.
        let endpoint = try await ScriptedHTTPServer()
        defer { endpoint.stop() }
        endpoint.script("GET", "/redfish/v1/Systems/1", .init(json: #"{\#(Self.system)}"#))
        let provider = try RedfishProvider(name: "lab-bmc", config: try RedfishProviderTests.config(endpoint.url), credentials: Self.login)
        let observed = try await provider.read(.bareMetalNode, providerID: "/redfish/v1/Systems/1")
        #expect(observed?.outputs["powerState"] == .string("Off"))
        let basic = "Basic " + Data("admin:s3cret-pw".utf8).base64EncodedString()
        #expect(endpoint.received.map(\.description) == ["GET /redfish/v1", "GET /redfish/v1/Systems/1"])
        #expect(endpoint.received.map(\.authorization) == [nil, basic], "the root is read without credentials, the system with them")
    }

    @Test func aRedirectOnTheEndpointIsFollowedWithTheCredentials() async throws {
        // sushy-emulator answers a system's name with a 307 to its UUID path, on itself.
        let lab = try RedfishProviderTests.Lab(login: Self.login)
        defer { lab.stop() }
        let observed = try await lab.provider.read(.bareMetalNode, providerID: "/redfish/v1/Systems/node-0")
        #expect(observed?.outputs["id"] == .string(lab.emulator.systems[0]))
        #expect(observed?.outputs["powerState"] == .string("Off"))
    }
}
