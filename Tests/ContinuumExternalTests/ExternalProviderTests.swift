import Crypto
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
        let settings = FieldValue.map([FieldValue.Entry("directory", .string(directory.appendingPathComponent("objects").path))] + extra)
        return ExternalProvider(name: "files", config: ExternalProviderConfig(command: ["/usr/bin/python3", example], settings: settings))
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
        (["/bin/sh", "-c", "sleep 3600"], "did not answer initialize within 1s"),
        (["/usr/bin/continuum-no-such-provider-program"], "cannot start /usr/bin/continuum-no-such-provider-program"),
        (["continuum-on-the-path"], "cannot start continuum-on-the-path"),
        // Closes its standard input at once: writing to it is EPIPE, which must not be SIGPIPE.
        (["/bin/sh", "-c", "exec 0<&-; exit 4"], "exited with status 4"),
        (["/usr/bin/python3", "-c", #"import sys; sys.stdin.readline(); print('{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":9}}', flush=True); sys.stdin.read()"#],
            "speaks protocol version 9; this Continuum speaks 1"),
        (["/usr/bin/python3", "-c", #"import sys; sys.stdin.readline(); print('{"jsonrpc":"2.0","id":1,"result":{}}', flush=True); sys.stdin.read()"#],
            "answered initialize without a protocolVersion"),
    ])
    func misbehavingProgramsAreClearErrors(command: [String], message: String) async throws {
        let provider = ExternalProvider(name: "odd", config: ExternalProviderConfig(command: command, timeout: message.hasPrefix("did not answer") ? .seconds(1) : .seconds(60)))
        defer { Task { await provider.shutdown() } }
        let error = await #expect(throws: ProviderError.self) { try await provider.read(.virtualMachine, providerID: "x") }
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.provider == "odd")
    }

    /// The program gets only the environment the operator passes, an empty signal mask,
    /// default dispositions (the controller blocks and ignores some) and no descriptor of
    /// the controller's but its pipes, and its SHA-256 is
    /// checked when the operator declared one.
    @Test func theProgramStartsCleanAndOnlyAsReviewed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = directory.url.appendingPathComponent("report.json").path
        let script = #"""
            import json, os, signal, sys
            with open(sys.argv[1], "w") as f:
                json.dump({"env": dict(os.environ), "blocked": sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
                    "ignored": [s for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR2) if signal.getsignal(s) == signal.SIG_IGN],
                    "descriptors": sorted(int(d) for d in os.listdir("/proc/self/fd"))}, f)
            sys.stdin.readline()
            print('{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":1}}', flush=True)
            sys.stdin.read()
            """#
        let program = try directory.write("program.py", script).path
        signal(SIGHUP, SIG_IGN)  // as the controller's process has some signals ignored
        signal(SIGUSR2, SIG_IGN)
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR1)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        let leaked = open("/dev/null", O_RDONLY)  // without close-on-exec, as some libraries open files
        defer { pthread_sigmask(SIG_UNBLOCK, &blocked, nil); signal(SIGHUP, SIG_DFL); signal(SIGUSR2, SIG_DFL); close(leaked) }
        let provider = ExternalProvider(name: "clean", config: ExternalProviderConfig(
            command: ["/usr/bin/python3", program, report], timeout: .seconds(5), environment: ["ONLY_THIS": "yes"]))
        _ = try? await provider.read(.virtualMachine, providerID: "x")
        await provider.shutdown()
        let seen = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
        let environment = seen?["env"] as? [String: String] ?? [:]
        #expect(environment["ONLY_THIS"] == "yes")
        #expect(environment["PATH"] == nil && environment["HOME"] == nil, "nothing but what the operator passes: \(environment.keys.sorted())")
        #expect((seen?["blocked"] as? [Int])?.isEmpty == true, "an empty signal mask")
        #expect((seen?["ignored"] as? [Int])?.isEmpty == true, "default dispositions")
        let descriptors = seen?["descriptors"] as? [Int] ?? []
        #expect(descriptors == [0, 1, 2, 3, 4], "its pipes, the report it writes and the listing of /proc/self/fd, nothing else: \(descriptors)")

        let wrong = ExternalProvider(name: "tampered", config: ExternalProviderConfig(
            command: ["/usr/bin/python3", program, report], timeout: .seconds(5), sha256: String(repeating: "0", count: 64)))
        let error = await #expect(throws: ProviderError.self) { try await wrong.read(.virtualMachine, providerID: "x") }
        #expect(error?.message.contains("not the 0000") == true, "\(String(describing: error))")
        await wrong.shutdown()
    }

    /// With a declared SHA-256, the file that was hashed is the file that runs: it is
    /// executed through the checked descriptor, and a `#!` script still starts that way.
    @Test func aCheckedProgramRunsFromTheDescriptorThatWasHashed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = directory.url.appendingPathComponent("report.txt").path
        let script = """
            #!/usr/bin/python3
            import sys
            with open(sys.argv[1], "w") as report:
                report.write(sys.argv[0])
            sys.stdin.readline()
            print('{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":1}}', flush=True)
            sys.stdin.readline()
            """
        let program = try directory.write("program.py", script)
        chmod(program.path, 0o755)
        let digest = SHA256.hash(data: Data(script.utf8)).map { String(format: "%02x", $0) }.joined()
        let provider = ExternalProvider(name: "checked", config: ExternalProviderConfig(command: [program.path, report], timeout: .seconds(60), sha256: digest))
        _ = try? await provider.read(.virtualMachine, providerID: "x")
        await provider.shutdown()
        let started = try String(contentsOfFile: report, encoding: .utf8)
        #expect(started == "/proc/self/fd/3", "the interpreter read the checked descriptor, not the path again: \(started)")
    }

    /// A program its group or anyone may rewrite is not started: whoever can write it
    /// would choose what Continuum runs.
    @Test func aProgramOthersMayWriteIsNotStarted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let started = directory.url.appendingPathComponent("STARTED").path
        let program = try directory.write("program.sh", "#!/bin/sh\ntouch \(started)\n")
        chmod(program.path, 0o775)
        let provider = ExternalProvider(name: "shared", config: ExternalProviderConfig(command: [program.path], timeout: .seconds(60)))
        let error = await #expect(throws: ProviderError.self) { try await provider.read(.virtualMachine, providerID: "x") }
        await provider.shutdown()
        #expect(error?.message.contains("may be written by users other than its owner") == true, "\(String(describing: error))")
        #expect(error?.remedy.contains("chmod go-w") == true)
        #expect(!FileManager.default.fileExists(atPath: started), "it never ran")
    }
}
