import ContinuumExternal
import ContinuumProvider
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// The external provider protocol against the example provider program in
/// examples/providers/jsonfiles.py (a real child process), and against misbehaving ones.
@Suite("External providers")
struct ExternalProviderTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/providers/jsonfiles.py").path

    static func provider(_ directory: URL, _ extra: [FieldValue.Entry] = []) throws -> ExternalProvider {
        let config = FieldValue.map([
            FieldValue.Entry("command", .list([.string("python3"), .string(example)])),
            FieldValue.Entry("directory", .string(directory.appendingPathComponent("objects").path)),
        ] + extra)
        return ExternalProvider(name: "files", config: try ExternalProviderConfig.parse(config).get())
    }

    static func request(_ name: String, cpu: Int = 2, key: String? = nil, providerID: String? = nil) -> ProviderRequest {
        ProviderRequest(
            id: ResourceID(.virtualMachine, name),
            spec: .map([FieldValue.Entry("cpu", .integer(cpu)), FieldValue.Entry("image", .string("debian-12")), FieldValue.Entry("memory", .quantity(try! Quantity.parse("4Gi").get()))]),
            idempotencyKey: key ?? "key-\(name)", providerID: providerID)
    }

    @Test func createReadLookupUpdateAndDeleteRoundTrip() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let provider = try Self.provider(directory.url)
        defer { Task { await provider.shutdown() } }
        let created = try await provider.create(Self.request("web-1"))
        #expect(created.providerID == "virtualmachine-web-1")
        #expect(created.spec == Self.request("web-1").spec, "typed values survive the round trip, so no false drift")
        #expect(created.outputs["ipAddress"] != nil)
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("objects/virtualmachine-web-1.json").path))
        #expect(try await provider.read(.virtualMachine, providerID: created.providerID) == created)
        #expect(try await provider.lookup(ResourceID(.virtualMachine, "web-1"), idempotencyKey: "key-web-1") == created)
        #expect(try await provider.lookup(ResourceID(.virtualMachine, "web-1"), idempotencyKey: "another") == nil)
        #expect(try await provider.create(Self.request("web-1")) == created, "the same idempotency key gives the same object")
        let updated = try await provider.update(Self.request("web-1", cpu: 4, providerID: created.providerID))
        #expect(updated.spec["cpu"] == .integer(4))
        try await provider.delete(.virtualMachine, providerID: created.providerID, idempotencyKey: "delete-web-1")
        #expect(try await provider.read(.virtualMachine, providerID: created.providerID) == nil)
        try await provider.delete(.virtualMachine, providerID: created.providerID, idempotencyKey: "delete-web-1")
        let missing = await #expect(throws: ProviderError.self) { try await provider.update(Self.request("web-1", providerID: created.providerID)) }
        #expect(missing?.code == .notFound)
    }

    @Test func concurrentCallsGetTheirOwnAnswers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let provider = try Self.provider(directory.url)
        defer { Task { await provider.shutdown() } }
        let ids = try await withThrowingTaskGroup(of: (String, String).self) { group in
            for index in 0..<20 { group.addTask { ("web-\(index)", try await provider.create(Self.request("web-\(index)")).providerID) } }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(ids.count == 20)
        #expect(ids.allSatisfy { $0.value == "virtualmachine-\($0.key)" })
    }

    @Test func aCrashFailsTheCallRetryablyAndTheNextCallRestartsTheProgram() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let provider = try Self.provider(directory.url, [FieldValue.Entry("crashOn", .string("doomed"))])
        defer { Task { await provider.shutdown() } }
        _ = try await provider.create(Self.request("web-1"))
        let error = await #expect(throws: ProviderError.self) { try await provider.create(Self.request("doomed")) }
        #expect(error?.isRetryable == true)
        #expect(error?.message.contains("exited with status 3") == true, "\(String(describing: error))")
        #expect(error?.message.contains("crashing on purpose") == true, "its standard error is quoted")
        #expect(try await provider.read(.virtualMachine, providerID: "virtualmachine-web-1") != nil, "a new program serves the next call")
    }

    @Test func garbageOnStandardOutputIsAClearErrorAndTheProgramIsRestarted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let provider = try Self.provider(directory.url, [FieldValue.Entry("garbageOn", .string("noisy"))])
        defer { Task { await provider.shutdown() } }
        let error = await #expect(throws: ProviderError.self) { try await provider.create(Self.request("noisy")) }
        #expect(error?.message.contains("not a JSON-RPC 2.0 response") == true)
        #expect(error?.message.contains("Traceback") == true)
        #expect(error?.isRetryable == true)
        #expect(try await provider.create(Self.request("web-2")).providerID == "virtualmachine-web-2")
    }

    @Test func kindsTheProgramDoesNotManageAreRefusedBeforeTheCall() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let provider = try Self.provider(directory.url, [FieldValue.Entry("kinds", .list([.string("Network")]))])
        defer { Task { await provider.shutdown() } }
        let error = await #expect(throws: ProviderError.self) { try await provider.create(Self.request("web-1")) }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message == "jsonfiles does not manage VirtualMachine (it manages Network)")
    }

    @Test(arguments: [
        (["sh", "-c", "sleep 30"], "did not answer initialize within 1s"),
        (["continuum-no-such-provider-program"], "exited with status 127"),
        // Closes its standard input at once: writing to it is EPIPE, which must not be SIGPIPE.
        (["sh", "-c", "exec 0<&-; exit 4"], "exited with status 4"),
        (["python3", "-c", #"import sys; sys.stdin.readline(); print('{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":9}}', flush=True); sys.stdin.read()"#],
            "speaks protocol version 9; this Continuum speaks 1"),
        (["python3", "-c", #"import sys; sys.stdin.readline(); print('{"jsonrpc":"2.0","id":1,"result":{}}', flush=True); sys.stdin.read()"#],
            "answered initialize without a protocolVersion"),
    ])
    func misbehavingProgramsAreClearErrors(command: [String], message: String) async throws {
        let config = FieldValue.map([FieldValue.Entry("command", .list(command.map(FieldValue.string))), FieldValue.Entry("timeout", .string("1s"))])
        let provider = ExternalProvider(name: "odd", config: try ExternalProviderConfig.parse(config).get())
        defer { Task { await provider.shutdown() } }
        let error = await #expect(throws: ProviderError.self) { try await provider.read(.virtualMachine, providerID: "x") }
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.provider == "odd")
    }

    @Test(arguments: [
        (FieldValue.map([]), "spec.config.command: required"),
        (FieldValue.map([FieldValue.Entry("command", .integer(3))]), "spec.config.command: expected a list of strings or a path"),
        (FieldValue.map([FieldValue.Entry("command", .list([]))]), "spec.config.command: the list is empty"),
        (FieldValue.map([FieldValue.Entry("command", .list([.string("a"), .integer(1)]))]), "every item must be a string"),
        (FieldValue.map([FieldValue.Entry("command", .string("p")), FieldValue.Entry("timeout", .string("soon"))]), "spec.config.timeout: expected a duration"),
        (FieldValue.map([FieldValue.Entry("command", .string("p")), FieldValue.Entry("timeout", .string("31m"))]), "spec.config.timeout: 31m is over the limit of 30m"),
    ])
    func invalidConfigsSayWhatIsWrong(config: FieldValue, message: String) {
        guard case .failure(let error) = ExternalProviderConfig.parse(config) else {
            Issue.record("\(config) was accepted")
            return
        }
        #expect(error.problems.contains { $0.contains(message) }, "\(error.problems)")
    }
}
