import Foundation

/// A test peer's process started with `posix_spawn` (not Foundation's `Process`, which
/// takes a daemon closing its inherited descriptors for its exit and then blocks), in a
/// process group of its own so that stopping it stops whatever it started.
public final class SpawnedProcess: Sendable {
    /// The process id.
    public let processID: pid_t

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's
    /// Glibc module does not declare.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Starts `arguments` (an absolute path first) with standard input on /dev/null and
    /// standard output and error into `log` (or /dev/null).
    public init(_ arguments: [String], log: URL? = nil, environment: [String: String] = [:]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let output = log?.path ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else: a long-lived peer that inherited the write end of a pipe another
        // thread opened for a short command (virsh, git) would keep that command's reader
        // waiting for an end of file until the peer exits.
        if let closeFrom = Self.closeFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        var envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, &envp)
        guard status == 0 else { throw FixtureError(message: "cannot start \(arguments[0]): \(String(cString: strerror(status)))") }
        processID = pid
    }

    /// Whether it still runs.
    public var isRunning: Bool { waitpid(processID, nil, WNOHANG) == 0 }

    /// Kills it and everything in its process group, and reaps it.
    public func stop() {
        kill(-processID, SIGKILL)
        kill(processID, SIGKILL)
        waitpid(processID, nil, 0)
    }
}
