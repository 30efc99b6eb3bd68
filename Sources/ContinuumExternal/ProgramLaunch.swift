import Foundation

/// How a provider program is started. By its absolute path (never looked up on PATH),
/// with only the environment given, an empty signal mask and default dispositions, in a
/// process group of its own (so ending it ends whatever it started), inheriting no
/// descriptor but its three pipes, and killed by the kernel if Continuum dies, even by
/// SIGKILL (`setpriv --pdeathsig KILL`, from the thread that never ends). With a declared
/// SHA-256 the file is opened, hashed and executed through that one descriptor (as
/// `fexecve` does), so what runs is what was checked.
struct ProgramLaunch: Sendable {
    /// The started program: its process and the parent's ends of its pipes.
    struct Started: Sendable {
        /// The program's process (and process group) ID.
        var processID: pid_t
        /// Writes to the program's standard input.
        var stdin: Int32
        /// Reads the program's standard output.
        var stdout: Int32
        /// Reads the program's standard error.
        var stderr: Int32
    }

    /// The program's absolute path and its arguments.
    var command: [String]
    /// The program's whole environment.
    var environment: [String: String]
    /// The SHA-256 the operator declared for the program's file, if any.
    var sha256: String?

    /// Where a checked program's file is in the child until it is executed.
    static let checkedDescriptor: Int32 = 3
    /// The wrapper that sets the parent-death signal before executing the program, where
    /// the system has it (util-linux, essential on Debian).
    static let deathSignalWrapper: [String]? =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") ? ["/usr/bin/setpriv", "--pdeathsig", "KILL", "--"] : nil

    /// Starts the program.
    func start() async throws -> Started {
        guard let program = command.first, program.hasPrefix("/") else { throw POSIXError(.ENOENT) }
        // Checked here, not left to the wrapper, so that a missing program is this error.
        guard access(program, X_OK) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ENOENT) }
        // A program others may rewrite is not the program the operator reviewed.
        var status = stat()
        if stat(program, &status) == 0, status.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            throw ProgramDigest.Writable(program: program)
        }
        var executable = program
        var checked: Int32 = -1
        defer { if checked >= 0 { close(checked) } }
        if let sha256 {
            checked = open(program, O_RDONLY | O_CLOEXEC)
            guard checked >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ENOENT) }
            let actual = try ProgramDigest.sha256(of: checked)
            guard actual == sha256 else { throw ProgramDigest.Mismatch(program: program, actual: actual, expected: sha256) }
            executable = "/proc/self/fd/\(Self.checkedDescriptor)"
        }
        var arguments = command
        if let wrapper = Self.deathSignalWrapper {
            arguments = wrapper + [executable] + command.dropFirst()
            executable = wrapper[0]
        }
        let stdin = try Self.pipe()
        let stdout: (read: Int32, write: Int32)
        let stderr: (read: Int32, write: Int32)
        do {
            stdout = try Self.pipe()
            do {
                stderr = try Self.pipe()
            } catch {
                for descriptor in [stdout.read, stdout.write] { close(descriptor) }
                throw error
            }
        } catch {
            for descriptor in [stdin.read, stdin.write] { close(descriptor) }
            throw error
        }
        let child = (stdin: stdin.read, stdout: stdout.write, stderr: stderr.write, checked: checked)
        let environment = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let (spawned, pid) = await SpawnThread.shared.run { [executable, arguments] in
            Self.spawn(executable, arguments, environment, stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, checked: child.checked)
        }
        for descriptor in [stdin.read, stdout.write, stderr.write] { close(descriptor) }
        guard spawned == 0 else {
            for descriptor in [stdin.write, stdout.read, stderr.read] { close(descriptor) }
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO)
        }
        return Started(processID: pid, stdin: stdin.write, stdout: stdout.read, stderr: stderr.read)
    }

    /// `posix_spawn` with the file actions and attributes above; the result and the PID.
    private static func spawn(
        _ executable: String, _ arguments: [String], _ environment: [String], stdin: Int32, stdout: Int32, stderr: Int32, checked: Int32
    ) -> (Int32, pid_t) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Last, once the pipes are in place: the checked file at a known number, without
        // close-on-exec, so that an interpreter given `/proc/self/fd/3` by `#!` reads it too.
        if checked >= 0 { posix_spawn_file_actions_adddup2(&actions, checked, checkedDescriptor) }
        // Nothing else of the controller's: descriptors opened without close-on-exec (by
        // Foundation, by libraries) must not reach the program.
        DescriptorCloser.closeAll(from: checked >= 0 ? checkedDescriptor + 1 : 3, in: &actions)
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
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var envp = environment.map { strdup($0) } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        return (spawned, pid)
    }

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard Foundation.pipe(&descriptors) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        // Other children must not inherit them (pipe2 is not in Glibc's Swift module).
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return (descriptors[0], descriptors[1])
    }
}
