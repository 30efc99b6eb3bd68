import Foundation

/// Python's `http.server` serving a directory on a free loopback port: where a BMC's
/// virtual media downloads the images the tests insert.
public final class StaticFileServer: Sendable {
    /// The port it listens on.
    public let port: Int
    private let process: SpawnedProcess

    /// Serves `directory`, waiting until it answers; with `log`, each request is logged
    /// there (`"GET /path HTTP/1.1" 404 -`).
    public init(directory: URL, log: URL? = nil, python: String = "/usr/bin/python3") throws {
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            let process = try SpawnedProcess([python, "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", directory.path, String(port)], log: log)
            if GitDaemon.waitUntilListening(port: port, isRunning: { process.isRunning }) {
                self.port = port
                self.process = process
                return
            }
            process.stop()
        }
        throw FixtureError(message: "python3 -m http.server did not start on loopback")
    }

    /// The URL of a file in the directory.
    public func url(_ file: String) -> String { "http://127.0.0.1:\(port)/\(file)" }

    /// Stops the server.
    public func stop() { process.stop() }
}
