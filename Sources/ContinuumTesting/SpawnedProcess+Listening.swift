import Foundation

extension SpawnedProcess {
    /// Starts a server on a random loopback port (up to five ports, in case one is taken):
    /// `arguments` gives its command line for a port; it is running once it accepts
    /// connections there. Nil when none of the tries listened (its log says why).
    static func listening(log: URL, _ arguments: (Int) throws -> [String]) throws -> (process: SpawnedProcess, port: Int)? {
        for _ in 0..<5 {
            let port = Int.random(in: 20_000..<60_000)
            let process = try SpawnedProcess(try arguments(port), log: log)
            if GitDaemon.waitUntilListening(port: port, process: process) { return (process, port) }
            process.stop()
        }
        return nil
    }
}
