import ContinuumOpenNebula
import ContinuumProvider
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// Every code of the documented response triple, injected by the stand-in into a real
/// call, mapped to what Continuum does: retry or not, gone, and a message that names the
/// connection and never carries the session.
@Suite("OpenNebula error triple mapping")
struct OpenNebulaErrorMappingTests {
    static let cases: [(code: Int, name: String, expected: ProviderError.Code, retryable: Bool)] = [
        (0x0100, "AUTHENTICATION", .invalidRequest, false),
        (0x0200, "AUTHORIZATION", .invalidRequest, false),
        (0x0800, "ACTION", .transient, true),
        (0x1000, "XML_RPC_API", .invalidRequest, false),
        (0x2000, "INTERNAL", .transient, true),
        (0x4000, "ALLOCATE", .invalidRequest, false),
        (0x8000, "LOCKED", .transient, true),
    ]

    @Test(arguments: cases.indices)
    func aCodeIsMappedToWhatContinuumDoes(index: Int) async throws {
        let (code, name, expected, retryable) = Self.cases[index]
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        let message = "[one.vn.allocate] injected failure (session \(OpenNebulaLab.session) echoed)"
        try await lab.control("fault", [.string("one.vn.allocate"), .int(code), .string(message), .int(1)])
        let error = await #expect(throws: ProviderError.self) { _ = try await lab.provider.create(lab.network()) }
        #expect(error?.code == expected, "\(name): \(String(describing: error))")
        #expect(error?.isRetryable == retryable)
        #expect(error?.message.contains("failed with \(name)") == true)
        #expect(error?.message.contains("connection 'one-fra'") == true)
        #expect(error.map { !"\($0)".contains("s3cret-one-pw") } == true, "the session never shows: \(String(describing: error))")
        // The next call (the fault was for one call) succeeds.
        _ = try await lab.provider.create(lab.network())
    }

    @Test func noExistsIsGoneForAReadAndDoneForADelete() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        try await lab.control("fault", [.string("one.vm.info"), .int(0x0400), .string("[one.vm.info] Error getting virtual machine [3]."), .int(2)])
        #expect(try await lab.provider.read(.virtualMachine, providerID: "vm/3") == nil)
        try await lab.provider.delete(.virtualMachine, providerID: "vm/3", idempotencyKey: "k")
    }

    @Test func aWrongSessionIsRefusedNamingTheConnectionNotTheSession() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        let intruder = try OpenNebulaProvider(name: "one-fra", connection: "one-fra", config: try OpenNebulaLab.config(lab.standIn.endpoint), session: "oneadmin:wrong-password")
        let error = await #expect(throws: ProviderError.self) { _ = try await intruder.revisions() }
        #expect(error?.code == .invalidRequest && error?.isRetryable == false)
        #expect(error?.message.contains("AUTHENTICATION") == true && error?.remedy.contains("connection 'one-fra'") == true, "\(String(describing: error))")
        #expect(error.map { !"\($0)".contains("wrong-password") } == true)
    }

    @Test func aReadOnlyUserIsRefusedAuthorization() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        let viewer = try OpenNebulaProvider(name: "one-fra", connection: "one-fra", config: try OpenNebulaLab.config(lab.standIn.endpoint), session: "viewer:view-only-pw")
        #expect(try await viewer.revisions()?.isEmpty == true, "reading is allowed")
        let error = await #expect(throws: ProviderError.self) { _ = try await viewer.create(lab.network()) }
        #expect(error?.message.contains("AUTHORIZATION") == true && error?.isRetryable == false, "\(String(describing: error))")
    }

    @Test func anUnreachableFrontEndIsUnavailableAndRetried() async throws {
        let provider = try OpenNebulaProvider(name: "one-fra", connection: "one-fra", config: try OpenNebulaLab.config("http://127.0.0.1:9/RPC2"), session: "a:b")
        let error = await #expect(throws: ProviderError.self) { _ = try await provider.revisions() }
        #expect(error?.code == .unavailable && error?.isRetryable == true)
    }

    @Test func anEndpointThatIsNotXMLRPCIsAMistakeNotRetried() async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        // The right host and port, the wrong path: the stand-in answers 404.
        let endpoint = lab.standIn.endpoint.replacingOccurrences(of: "/RPC2", with: "/wrong")
        let provider = try OpenNebulaProvider(name: "one-fra", connection: "one-fra", config: try OpenNebulaLab.config(endpoint), session: OpenNebulaLab.session)
        let error = await #expect(throws: ProviderError.self) { _ = try await provider.revisions() }
        #expect(error?.code == .invalidRequest && error?.message.contains("HTTP 404") == true, "\(String(describing: error))")
        #expect(error?.remedy.contains("/RPC2") == true)
    }
}
