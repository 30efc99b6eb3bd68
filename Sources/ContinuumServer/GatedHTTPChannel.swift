import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel behind a `ConnectionGate`: a connection beyond the
/// listener's cap is closed as soon as it is accepted, before any handler or task is made
/// for it; an admitted one is counted out when it closes.
struct GatedHTTPChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    /// The HTTP/1 channel that serves admitted connections.
    let base: HTTP1Channel
    /// The listener's count of open connections.
    let gate: ConnectionGate

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard gate.admit() else {
            logger.debug("connection refused: the listener's connection cap is reached", metadata: ["limit": "\(gate.limit)"])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(Refused())
        }
        let gate = self.gate
        channel.closeFuture.whenComplete { _ in gate.release() }
        let value = base.setup(channel: channel, logger: logger)
        value.whenFailure { _ in channel.close(promise: nil) }
        return value
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    /// The connection was over the cap (NIO drops the connection; nothing is reported).
    private struct Refused: Error {}
}
