import Foundation

/// Python's `http.server` serving a directory on a free loopback port: where a BMC's
/// virtual media downloads the images the tests insert.
public final class StaticFileServer: Sendable {
    /// The port it listens on.
    public let port: Int
    private let process: SpawnedProcess
    /// The log it made for itself, removed when it stops.
    private let ownedLog: URL?

    /// Serves `directory`, waiting until it answers; each request is logged to `log`
    /// (`"GET /path HTTP/1.1" 404 -`), by default to a temporary file removed on `stop()`.
    public init(directory: URL, log: URL? = nil, python: String = "/usr/bin/python3") throws {
        let logFile = log ?? FileManager.default.temporaryDirectory.appendingPathComponent("continuum-http-server-\(UUID().uuidString).log")
        ownedLog = log == nil ? logFile : nil
        // Port 0: the kernel picks a free port, which http.server names ("Serving HTTP on
        // 127.0.0.1 port N ..."); a port picked at random could be another peer's already.
        let process = try SpawnedProcess([python, "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", directory.path, "0"], log: logFile)
        let announced = AnnouncedPort.wait(for: process, log: logFile) { line in
            guard let range = line.range(of: "Serving HTTP on 127.0.0.1 port ") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }
        guard let announced else {
            process.stop()
            if let ownedLog { try? FileManager.default.removeItem(at: ownedLog) }
            throw FixtureError(message: "python3 -m http.server did not start on loopback: \(((try? String(contentsOf: logFile, encoding: .utf8)) ?? "").suffix(2000))")
        }
        self.port = announced
        self.process = process
    }

    /// The URL of a file in the directory.
    public func url(_ file: String) -> String { "http://127.0.0.1:\(port)/\(file)" }

    /// Stops the server.
    public func stop() {
        process.stop()
        if let ownedLog { try? FileManager.default.removeItem(at: ownedLog) }
    }
}
