import NIOCore
import NIOHTTPTypes

/// Closes a new connection that has not sent a complete request head within `timeout`:
/// a client that connects and sends nothing, or trickles its headers a byte at a time,
/// cannot hold a connection for longer. After the first head the idle timeout governs the
/// connection (Hummingbird's `HTTPConnectionStateHandler`).
final class HeaderTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var headRead = false

    /// Creates a handler for one connection.
    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !headRead, case .head = unwrapInboundIn(data) {
            headRead = true
            cancel()
        }
        context.fireChannelRead(data)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard timer == nil, !headRead else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            timer = nil
            guard !headRead else { return }
            context.close(promise: nil)
        }
    }

    private func cancel() {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension HeaderTimeoutHandler: Sendable {}
