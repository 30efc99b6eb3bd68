import Foundation

/// A real `git daemon` serving a directory over `git://` on a free loopback port, for as
/// long as the value is kept; `stop()` ends it.
public final class GitDaemon: Sendable {
    /// The port it listens on.
    public let port: Int
    private let process: Process

    /// Starts a daemon exporting every repository under `base`, and waits until it answers.
    public init(base: URL) throws {
        // Run git-daemon itself, not the `git daemon` wrapper, which outlives a SIGTERM.
        let execPath = try GitFixture.run(["git", "--exec-path"], in: base).trimmingCharacters(in: .whitespacesAndNewlines)
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: execPath).appendingPathComponent("git-daemon")
            process.arguments = ["--listen=127.0.0.1", "--port=\(port)", "--base-path=\(base.path)", "--export-all", "--reuseaddr", base.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if Self.waitUntilListening(port: port, process: process) {
                self.port = port
                self.process = process
                return
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        throw FixtureError(message: "git daemon did not start on loopback; is git installed (scripts/bootstrap.sh)?")
    }

    /// The `git://` URL of a repository under the base directory.
    public func url(_ repository: String) -> String { "git://127.0.0.1:\(port)/\(repository)" }

    /// Stops the daemon.
    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Whether the spawned server itself (a process of its group) comes to listen on `port`.
    static func waitUntilListening(port: Int, process: SpawnedProcess) -> Bool {
        waitUntilListening(port: port, isRunning: { process.isRunning }) { ListeningSocket.isOwned(port: port, byGroup: process.processID) }
    }

    /// Whether `process` itself comes to listen on `port`.
    static func waitUntilListening(port: Int, process: Process) -> Bool {
        let pid = process.processIdentifier
        return waitUntilListening(port: port, isRunning: { process.isRunning }) { ListeningSocket.isOwned(port: port, byAnyOf: [pid]) }
    }

    private static func waitUntilListening(port: Int, isRunning: () -> Bool, owned: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(120)
        while isRunning(), ContinuousClock.now < deadline {
            if owned() { return true }
            usleep(20_000)
        }
        return false
    }
}
