import Foundation

/// Waits for a test peer started on port 0 to name the port the kernel gave it in its
/// log: peers never pick a port at random, where another peer may already listen (a
/// check would then find that other peer answering instead).
enum AnnouncedPort {
    /// The port in the first log line `port(in:)` reads one from; nil when the process
    /// ended or two minutes passed first.
    static func wait(for process: SpawnedProcess, log: URL, port: (Substring) -> Int?) -> Int? {
        let deadline = ContinuousClock.now + .seconds(120)
        while process.isRunning, ContinuousClock.now < deadline {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let found = output.split(separator: "\n").lazy.compactMap(port).first { return found }
            usleep(20_000)
        }
        return nil
    }
}
