import NIOCore
import NIOPosix

/// A bare TCP connection from the tests: it sends what it is told, keeps what the server
/// sends, and reports the moment the server closes it, so tests wait on that event.
struct RawConnection: Sendable {
    let channel: any Channel
    private let closed: EventLoopFuture<[UInt8]>

    /// Connects to `port` on 127.0.0.1 (accepted by the kernel, whatever the server does next).
    static func open(port: Int) async throws -> RawConnection {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let closed = loop.makePromise(of: [UInt8].self)
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Recorder(closed: closed)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, closed: closed.futureResult)
    }

    /// Sends `text` as it is.
    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Waits until the connection is closed; returns everything the server sent.
    func waitUntilClosed() async throws -> String {
        String(decoding: try await closed.get(), as: UTF8.self)
    }

    /// Runs `body` once the connection is closed.
    func whenClosed(_ body: @escaping @Sendable () -> Void) {
        closed.whenComplete { _ in body() }
    }

    /// Whether the connection is still open.
    var isOpen: Bool { channel.isActive }

    /// Closes it from this end.
    func close() async {
        try? await channel.close()
    }

    /// Keeps the bytes read and completes `closed` with them when the channel goes inactive.
    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private var bytes: [UInt8] = []
        private let closed: EventLoopPromise<[UInt8]>

        init(closed: EventLoopPromise<[UInt8]>) {
            self.closed = closed
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            bytes += unwrapInboundIn(data).readableBytesView
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.succeed(bytes)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
