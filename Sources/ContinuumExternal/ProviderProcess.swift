import Foundation
import Synchronization

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which the Swift
/// Glibc module does not export: found at run time, absent on an older C library.
enum DescriptorCloser {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// The function, or nil where the C library lacks it.
    nonisolated(unsafe) static let closeFrom: AddCloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}

/// One running provider program: JSON lines to its standard input, JSON lines from its
/// standard output (read on a thread of its own), standard error kept (the last lines) for
/// error messages. Lines over 16 MiB are cut (and then refused as not JSON) rather than
/// buffered without end. The program is started by its absolute path (never looked up on
/// PATH) with only the environment given, an empty signal mask and default signal
/// dispositions, in a process group of its own, so ending it ends whatever it started too;
/// it inherits no descriptor but its three pipes.
/// With a declared SHA-256 the file is opened, hashed and executed through that one
/// descriptor (as `fexecve` does), so what runs is what was checked.
final class ProviderProcess: Sendable {
    static let maximumLineLength = 16 << 20
    /// Where a checked program's file is in the child until it is executed.
    private static let checkedDescriptor: Int32 = 3

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

    init(command: [String], environment: [String: String], sha256 expected: String? = nil) throws {
        guard let program = command.first, program.hasPrefix("/") else { throw POSIXError(.ENOENT) }
        Self.sigpipeIgnored
        var executable = program
        var checked: Int32 = -1
        defer { if checked >= 0 { close(checked) } }
        if let expected {
            checked = open(program, O_RDONLY | O_CLOEXEC)
            guard checked >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ENOENT) }
            let actual = try ProgramDigest.sha256(of: checked)
            guard actual == expected else { throw ProgramDigest.Mismatch(program: program, actual: actual, expected: expected) }
            executable = "/proc/self/fd/\(Self.checkedDescriptor)"
        }
        let stdin = try Self.pipe()
        let stdout = try Self.pipe()
        let stderr = try Self.pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)
        // Last, once the pipes are in place: the checked file at a known number, without
        // close-on-exec, so that an interpreter given `/proc/self/fd/3` by `#!` reads it too.
        if checked >= 0 { posix_spawn_file_actions_adddup2(&actions, checked, Self.checkedDescriptor) }
        // Nothing else of the controller's: descriptors opened without close-on-exec (by
        // Foundation, by libraries) must not reach the program.
        _ = DescriptorCloser.closeFrom?(&actions, checked >= 0 ? Self.checkedDescriptor + 1 : 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The controller blocks and handles signals of its own (SIGTERM, SIGINT, SIGHUP,
        // SIGCHLD, SIGPIPE ignored): the program must start with none of that.
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var argv = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        // ETXTBSY: another process's child, between its fork and its exec, still holds a
        // write descriptor of a program just installed (Go's issue 22315); it passes.
        var spawned = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        for attempt in 1...5 where spawned == ETXTBSY {
            usleep(useconds_t(10_000 * attempt))
            spawned = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        }
        for descriptor in [stdin.read, stdout.write, stderr.write] { close(descriptor) }
        guard spawned == 0 else {
            for descriptor in [stdin.write, stdout.read, stderr.read] { close(descriptor) }
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO)
        }
        processID = pid
        input = FileHandle(fileDescriptor: stdin.write, closeOnDealloc: true)
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        self.lines = lines
        Self.readLines(from: stdout.read) { line in
            if let line { continuation.yield(line) } else { continuation.finish() }
        }
        let errors = self.errors
        Self.readLines(from: stderr.read) { line in
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

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard Foundation.pipe(&descriptors) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        // Other children must not inherit them (pipe2 is not in Glibc's Swift module).
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return (descriptors[0], descriptors[1])
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
