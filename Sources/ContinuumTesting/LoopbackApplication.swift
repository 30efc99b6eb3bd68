import Hummingbird
import NIOCore

/// Starts a test's Hummingbird application on a free loopback port and waits until it
/// listens: the shared start of the stand-in servers.
enum LoopbackApplication {
    /// Runs the application `make` builds (handing it the `onServerRunning` callback to
    /// pass on) and returns its port and the task running it.
    /// - Throws: `FixtureError` naming `what` when it never listened.
    static func start<App: ApplicationProtocol & Sendable>(
        _ what: String, _ make: (_ onServerRunning: @escaping @Sendable (any Channel) async -> Void) -> App
    ) async throws -> (port: Int, task: Task<Void, any Error>) {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = make { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        let running = Task { try await app.runService() }
        var port = 0
        for await bound in stream { port = bound }
        guard port > 0 else {
            running.cancel()
            throw FixtureError(message: "\(what) did not start")
        }
        return (port, running)
    }
}
