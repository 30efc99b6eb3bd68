import Foundation
import Synchronization

/// One running provider program: JSON lines to its standard input, JSON lines from its
/// standard output (read on a thread of its own), standard error kept (the last lines) for
/// error messages. Lines over 16 MiB are cut (and then refused as not JSON) rather than
/// buffered without end. How it is started, and what it inherits, is `ProgramLaunch`'s.
final class ProviderProcess: Sendable {
    static let maximumLineLength = 16 << 20

    /// The lines the program writes to standard output; finished when it closes it.
    let lines: AsyncStream<String>
    private let processID: pid_t
    private let input: FileHandle
    private let errors = RecentLines()
    private let status = Mutex<Int32?>(nil)

    /// Writing to a program that has exited must be an error (`EPIPE`), not `SIGPIPE`
    /// ending the whole controller; Linux has no per-pipe switch for it, so the signal is
    /// ignored process-wide once, before the first program starts (as Go's runtime does).
    private static let sigpipeIgnored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    init(command: [String], environment: [String: String], sha256 expected: String? = nil) async throws {
        Self.sigpipeIgnored
        let started = try await ProgramLaunch(command: command, environment: environment, sha256: expected).start()
        processID = started.processID
        input = FileHandle(fileDescriptor: started.stdin, closeOnDealloc: true)
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        self.lines = lines
        Self.readLines(from: started.stdout) { line in
            if let line { continuation.yield(line) } else { continuation.finish() }
        }
        let errors = self.errors
        Self.readLines(from: started.stderr) { line in
            if let line { errors.add(line) }
        }
    }

    /// Writes one line.
    func send(_ line: [UInt8]) throws {
        try input.write(contentsOf: line + [0x0a])
    }

    /// The exit status once the program has exited (waiting up to 0.2 s for it: it is
    /// asked when its output has closed, so it is exiting).
    var exitStatus: Int32? {
        for _ in 0..<20 {
            if let status = reap() { return status }
            usleep(10_000)
        }
        return nil
    }

    /// The last lines the program wrote to standard error.
    var recentErrors: [String] { errors.lines }

    /// Ends the program and everything it started: standard input closed and SIGTERM to
    /// its process group at once, then, off the caller's thread, SIGKILL to whatever is
    /// still there after a grace period, and the program reaped.
    func terminate(grace: Duration = .seconds(1)) {
        try? input.close()
        guard reap() == nil else { return }
        kill(-processID, SIGTERM)
        let group = processID
        DispatchQueue.global().asyncAfter(deadline: .now() + Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18) { [self] in
            kill(-group, SIGKILL)
            kill(group, SIGKILL)
            _ = reapBlocking()
        }
    }

    /// Waits for the program to exit and collects its status (a background thread only).
    private func reapBlocking() -> Int32? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            guard waitpid(processID, &raw, 0) == processID else { return nil }
            status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            return status
        }
    }

    /// Collects the exit status if the program has exited.
    private func reap() -> Int32? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            guard waitpid(processID, &raw, WNOHANG) == processID else { return nil }
            // WIFEXITED / WEXITSTATUS, WTERMSIG for a signal.
            status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            return status
        }
    }

    /// Reads the descriptor line by line on a thread of its own; `deliver(nil)` at the end.
    private static func readLines(from descriptor: Int32, deliver: @escaping @Sendable (String?) -> Void) {
        let thread = Thread {
            defer { close(descriptor) }
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                for byte in buffer[0..<count] {
                    if byte == 0x0a {
                        deliver(String(decoding: pending, as: UTF8.self))
                        pending.removeAll(keepingCapacity: true)
                    } else if pending.count < maximumLineLength {
                        pending.append(byte)
                    }
                }
            }
            if !pending.isEmpty { deliver(String(decoding: pending, as: UTF8.self)) }
            deliver(nil)
        }
        thread.start()
    }
}

/// The last 20 lines a program wrote to standard error, each cut at 500 characters.
final class RecentLines: Sendable {
    private let kept = Mutex<[String]>([])

    func add(_ line: String) {
        kept.withLock { kept in
            kept.append(String(line.prefix(500)))
            if kept.count > 20 { kept.removeFirst(kept.count - 20) }
        }
    }

    var lines: [String] { kept.withLock { $0 } }
}
