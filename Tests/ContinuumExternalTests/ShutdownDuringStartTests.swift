@testable import ContinuumExternal
import ContinuumProvider
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// A provider shut down while its program is being started (the session actor is
/// reentrant while the start waits) ends that program instead of leaving it running.
@Suite("Shutdown during a start", .serialized)
struct ShutdownDuringStartTests {
    @Test func aShutdownWhileTheProgramStartsEndsIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let program = try directory.write("program.py", """
            import sys
            sys.stdin.read()
            """).path
        // Hold the spawning thread, so that the start waits there.
        let gate = DispatchSemaphore(value: 0)
        let (held, holding) = AsyncStream.makeStream(of: Void.self)
        let holder = Task { await SpawnThread.shared.run { holding.yield(); gate.wait() } }
        var heldIterator = held.makeAsyncIterator()
        _ = await heldIterator.next()

        let session = ExternalSession(name: "raced", config: ExternalProviderConfig(command: ["/usr/bin/python3", program], timeout: .seconds(60)))
        let call = Task { () -> ProviderError? in
            if case .failure(let error) = await session.call("read", Data("{}".utf8)) { return error }
            return nil
        }
        while await session.startsUnderWay == 0 { await Task.yield() }
        await session.shutdown()
        gate.signal()
        await holder.value
        let error = await call.value
        #expect(error?.message.contains("shut down while its program started") == true, "\(String(describing: error))")

        // The program was started and ended: no live process runs it. (The deadline is
        // only a safety net.)
        let deadline = ContinuousClock.now + .seconds(120)
        while !Self.processes(running: program).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(Self.processes(running: program).isEmpty)
    }

    /// The live (not zombie) processes whose command line names `path`.
    static func processes(running path: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let line = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")), !line.isEmpty else { return false }
            return String(decoding: line, as: UTF8.self).split(separator: "\0").contains { $0 == path } && ProcessTable.isAlive(pid)
        }
    }

}
