import Foundation
import Synchronization

/// A throwaway PostgreSQL cluster for the tests (Debian's `postgresql` package): `initdb` in
/// a temporary directory, run as the `postgres` user when the tests run as root (initdb
/// refuses root), listening on 127.0.0.1 at a free port with fsync off. One is shared by the
/// test process: started on first use, stopped (`pg_ctl stop -m immediate`, by its data
/// directory) and removed at exit. Tests take a database each.
public final class PostgresServer: Sendable {
    /// The port it listens on.
    public let port: Int
    /// The temporary directory holding the cluster, its socket and log.
    public let directory: String
    /// The user that runs it (and `psql`): `postgres` under root, else nil (the current user).
    let runAs: String?
    let binaries: String
    private static let databases = Atomic<Int>(0)

    /// The superuser the tests connect as, trusted without a password from 127.0.0.1.
    public static let superuser = "postgres"
    /// A user that must give `password` (scram-sha-256), for the authentication tests.
    public static let passwordUser = "continuum_password_user"

    /// The server shared by this test process, started on first use.
    public static func shared() throws -> PostgresServer {
        try sharedServer.get()
    }

    private static let sharedServer: Result<PostgresServer, FixtureError> = {
        do {
            let server = try PostgresServer()
            stoppedAtExit.withLock { $0 = server }
            atexit { PostgresServer.stoppedAtExit.withLock { $0?.stop() } }
            return .success(server)
        } catch let error as FixtureError {
            return .failure(error)
        } catch {
            return .failure(FixtureError(message: "cannot start PostgreSQL: \(error)"))
        }
    }()

    private static let stoppedAtExit = Mutex<PostgresServer?>(nil)

    /// Makes and starts a cluster; with `fsync` off (the tests') commits are not flushed to disk.
    public init(fsync: Bool = false) throws {
        guard let version = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted().last else {
            throw FixtureError(message: "PostgreSQL is not installed (/usr/lib/postgresql); run scripts/bootstrap.sh")
        }
        binaries = "/usr/lib/postgresql/\(version)/bin"
        runAs = getuid() == 0 ? "postgres" : nil
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let runAs { _ = try Self.run(["/bin/chown", runAs, directory], log: nil) }
        port = try Self.freePort()
        let log = URL(fileURLWithPath: directory).appendingPathComponent("setup.log")
        try run(["\(binaries)/initdb", "-N", "-D", "\(directory)/data", "-U", Self.superuser, "-A", "trust", "-E", "UTF8", "--no-locale"], log: log)
        // The password user must authenticate; everyone else is trusted.
        let hba = "\(directory)/data/pg_hba.conf"
        let rules = (try? String(contentsOfFile: hba, encoding: .utf8)) ?? ""
        try ("host all \(Self.passwordUser) 127.0.0.1/32 scram-sha-256\n" + rules).write(toFile: hba, atomically: false, encoding: .utf8)
        try run([
            "\(binaries)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/server.log", "-w", "-o",
            "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory) -c fsync=\(fsync ? "on" : "off") -c max_connections=300", "start",
        ], log: log)
        try psql("CREATE ROLE \(Self.passwordUser) LOGIN PASSWORD 'correct horse battery staple'", database: "postgres")
    }

    /// Stops the server at once and removes its directory.
    public func stop() {
        _ = try? run(["\(binaries)/pg_ctl", "-D", "\(directory)/data", "-m", "immediate", "stop"], log: nil)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A new, empty database; its name.
    public func createDatabase() throws -> String {
        let name = "test_\(getpid())_\(Self.databases.add(1, ordering: .relaxed).newValue)"
        try psql("CREATE DATABASE \(name)", database: "postgres")
        try psql("GRANT ALL ON SCHEMA public TO \(Self.passwordUser)", database: name)
        return name
    }

    /// The connection string of `database` for `user`.
    public func url(_ database: String, user: String = PostgresServer.superuser, sslmode: String = "disable") -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)?sslmode=\(sslmode)"
    }

    /// Runs `sql` in `database` as the superuser.
    public func psql(_ sql: String, database: String) throws {
        let log = URL(fileURLWithPath: directory).appendingPathComponent("psql-\(UUID().uuidString.prefix(8)).log")
        defer { try? FileManager.default.removeItem(at: log) }
        try run(["\(binaries)/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", Self.superuser, "-d", database, "-c", sql], log: log)
    }

    /// Runs the query `sql` in `database` as the superuser; returns its rows, one a line,
    /// fields separated by `|` (psql's unaligned output).
    public func query(_ sql: String, database: String) throws -> String {
        let log = URL(fileURLWithPath: directory).appendingPathComponent("psql-\(UUID().uuidString.prefix(8)).log")
        defer { try? FileManager.default.removeItem(at: log) }
        try run(["\(binaries)/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", Self.superuser, "-d", database, "-c", sql], log: log)
        return (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    }

    private func run(_ arguments: [String], log: URL?) throws {
        let command = runAs.map { ["/usr/sbin/runuser", "-u", $0, "--"] + arguments } ?? arguments
        if let log, runAs != nil { _ = FileManager.default.createFile(atPath: log.path, contents: nil, attributes: [.posixPermissions: 0o666]) }
        _ = try Self.run(command, log: log)
    }

    /// Runs a command to its end; a failure carries its output.
    @discardableResult
    private static func run(_ arguments: [String], log: URL?) throws -> Int32 {
        let process = try SpawnedProcess(arguments, log: log)
        var status: Int32 = 0
        while waitpid(process.processID, &status, 0) == -1, errno == EINTR {}
        let exited = (status & 0x7f) == 0, code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            let output = log.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
            throw FixtureError(message: "\(arguments.joined(separator: " ")) failed (status \(status)): \(output.suffix(2_000))")
        }
        return code
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now.
    public static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        guard bound == 0, named == 0 else { throw FixtureError(message: "cannot find a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
