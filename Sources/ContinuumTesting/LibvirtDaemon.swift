import Foundation

/// A real, unprivileged `libvirtd` on a free loopback TCP port serving libvirt's test
/// driver, so that the code under test and a second process (`virsh`, the observer) see
/// the same hypervisor state. As root it runs as `nobody` (libvirtd as root wants the QEMU
/// driver's user). Its state resets when its last client disconnects, so a `virsh event
/// --loop` holds a connection open while it runs. Needs libvirt-daemon and
/// libvirt-clients (scripts/bootstrap.sh).
public final class LibvirtDaemon: Sendable {
    /// The port it listens on.
    public let port: Int
    private let base: URL
    private let process: SpawnedProcess
    private let holder: SpawnedProcess

    /// Writes its configuration under `directory` and starts it, waiting until it answers.
    public init(in directory: URL) throws {
        base = directory.appendingPathComponent("libvirtd")
        for sub in ["home", "run", "cfg", "cache"] {
            try FileManager.default.createDirectory(at: base.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        if getuid() == 0 {
            // nobody must reach its directory through the test's private one.
            _ = try GitFixture.run(["chmod", "0711", directory.path], in: directory)
            _ = try GitFixture.run(["chown", "-R", "65534:65534", base.path], in: directory)
        }
        let log = base.appendingPathComponent("libvirtd.log")
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            let config = base.appendingPathComponent("cfg/libvirtd.conf")
            try Data("""
                listen_tls = 0
                listen_tcp = 1
                tcp_port = "\(port)"
                listen_addr = "127.0.0.1"
                auth_tcp = "none"
                auth_unix_rw = "none"
                auth_unix_ro = "none"
                unix_sock_dir = "\(base.appendingPathComponent("run").path)"
                log_outputs = "3:stderr"

                """.utf8).write(to: config)
            if getuid() == 0 { _ = try GitFixture.run(["chown", "65534:65534", config.path], in: directory) }
            let environment = [
                "PATH=/usr/sbin:/usr/bin", "HOME=\(base.appendingPathComponent("home").path)", "XDG_RUNTIME_DIR=\(base.appendingPathComponent("run").path)",
                "XDG_CONFIG_HOME=\(base.appendingPathComponent("cfg").path)", "XDG_CACHE_HOME=\(base.appendingPathComponent("cache").path)",
            ]
            let daemon = ["/usr/sbin/libvirtd", "--listen", "--config", config.path]
            let command = getuid() == 0
                ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/env", "-i"] + environment + daemon
                : ["/usr/bin/env", "-i"] + environment + daemon
            let process = try SpawnedProcess(command, log: log)
            if GitDaemon.waitUntilListening(port: port, process: process) {
                self.port = port
                self.process = process
                // The test driver forgets everything when its last client leaves: a virsh
                // waiting for events holds a connection for the daemon's life.
                self.holder = try SpawnedProcess(["/usr/bin/virsh", "-q", "-c", "test+tcp://127.0.0.1:\(port)/default", "event", "--loop", "--all"])
                try waitForHolder()
                return
            }
            process.stop()
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw FixtureError(message: "libvirtd did not start on loopback (is libvirt-daemon installed? scripts/bootstrap.sh):\n\(output.suffix(2000))")
    }

    /// Waits until the holder's connection keeps the test driver's state: a volume made by
    /// one short-lived virsh is still there for the next. Until then, a test's first virsh
    /// could be the only client, and what it made would be forgotten when it leaves.
    private func waitForHolder() throws {
        for _ in 0..<100 {
            _ = try? virsh(["vol-create-as", "default-pool", "continuum-holder-check", "1M"])
            if (try? virsh(["vol-list", "default-pool"]))?.contains("continuum-holder-check") == true {
                _ = try virsh(["vol-delete", "continuum-holder-check", "--pool", "default-pool"])
                return
            }
            usleep(50_000)
        }
        throw FixtureError(message: "the virsh holding libvirtd's test driver state did not connect")
    }

    /// Adds a qcow2 volume to the test driver's `default-pool`: the base image VMs'
    /// root disks are made on (`image: debian-12` names it).
    public func addBaseImage(_ name: String = "debian-12", size: String = "1G") throws {
        _ = try virsh(["vol-create-as", "default-pool", name, size, "--format", "qcow2"])
    }

    /// The URI of its test driver.
    public var uri: String { "test+tcp://127.0.0.1:\(port)/default" }

    /// Runs `virsh` against it, as the second observer, and returns its output.
    public func virsh(_ arguments: [String]) throws -> String {
        try GitFixture.run(["virsh", "-q", "-c", uri] + arguments, in: base)
    }

    /// Stops the daemon.
    public func stop() {
        holder.stop()
        process.stop()
    }
}
