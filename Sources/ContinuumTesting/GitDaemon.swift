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
            if Self.waitUntilListening(port: port, isRunning: { process.isRunning }) {
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

    /// Whether a server comes to accept connections on `port` within five seconds.
    static func waitUntilListening(port: Int, isRunning: () -> Bool) -> Bool {
        for _ in 0..<100 {
            guard isRunning() else { return false }
            let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(socket)
            if connected == 0 { return true }
            usleep(50_000)
        }
        return false
    }
}
