import Foundation

/// A real OpenSSH `sshd` on a free loopback port, for tests of Git over SSH: its own host
/// key, a client key it accepts for the current user, and a known_hosts line for it.
/// Needs the openssh-server package (scripts/bootstrap.sh installs it).
public final class SSHServer: Sendable {
    /// The port it listens on.
    public let port: Int
    /// The client's private key file, accepted by the server.
    public let clientKey: URL
    /// A known_hosts file holding the server's host key for `[127.0.0.1]:port`.
    public let knownHosts: URL
    /// The server's public host key line (`ssh-ed25519 AAAA...`).
    public let hostKey: String
    /// The user to log in as (the current one).
    public let user: String
    private let process: SpawnedProcess

    /// Generates keys under `directory` and starts sshd, waiting until it listens.
    public init(in directory: URL) throws {
        let base = directory.appendingPathComponent("sshd")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        for name in ["host", "client"] {
            _ = try GitFixture.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", base.appendingPathComponent(name).path], in: base)
        }
        clientKey = base.appendingPathComponent("client")
        try FileManager.default.copyItem(at: base.appendingPathComponent("client.pub"), to: base.appendingPathComponent("authorized_keys"))
        let publicHostKey = try String(contentsOf: base.appendingPathComponent("host.pub"), encoding: .utf8).split(separator: " ")
        hostKey = publicHostKey.prefix(2).joined(separator: " ")
        user = try GitFixture.run(["id", "-un"], in: base).trimmingCharacters(in: .whitespacesAndNewlines)
        // As root, sshd insists on its privilege separation directory.
        if getuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            let config = base.appendingPathComponent("sshd_config")
            try Data("""
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(base.appendingPathComponent("host").path)
                AuthorizedKeysFile \(base.appendingPathComponent("authorized_keys").path)
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                StrictModes no
                UsePAM no
                PermitRootLogin prohibit-password
                PidFile \(base.appendingPathComponent("sshd.pid").path)

                """.utf8).write(to: config)
            // Not Foundation's Process: sshd closes the descriptors it inherits, which
            // Foundation takes for the child's exit, and then blocks waiting for it.
            let process = try SpawnedProcess(["/usr/sbin/sshd", "-D", "-e", "-f", config.path])
            if GitDaemon.waitUntilListening(port: port, process: process) {
                self.port = port
                self.process = process
                knownHosts = base.appendingPathComponent("known_hosts")
                try Data("[127.0.0.1]:\(port) \(hostKey)\n".utf8).write(to: knownHosts)
                return
            }
            process.stop()
        }
        throw FixtureError(message: "sshd did not start on loopback; is openssh-server installed (scripts/bootstrap.sh)?")
    }

    /// The `ssh://` URL of a repository at an absolute path.
    public func url(_ path: String) -> String { "ssh://\(user)@127.0.0.1:\(port)\(path)" }

    /// Stops the server.
    public func stop() {
        process.stop()
    }
}
