import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A loopback HTTP server that answers what the test scripts and records every request it
/// receives, with the credentials it carried.
///
/// It stands in for a host a client must never contact — an attacker's, which must
/// receive nothing, credentials least of all — or for an endpoint that answers a client
/// with a redirect or a link to such a host. It implements no protocol: a request the test
/// did not script is answered 404.
public final class ScriptedHTTPServer: Sendable {
    /// A scripted answer.
    public struct Reply: Sendable {
        /// The HTTP status.
        public var status: Int
        /// The `Location` header, when set.
        public var location: String?
        /// A JSON body, when set.
        public var json: String?

        /// Creates an answer.
        public init(status: Int = 200, location: String? = nil, json: String? = nil) {
            self.status = status
            self.location = location
            self.json = json
        }
    }

    /// A request the server received.
    public struct Received: Sendable, Hashable, CustomStringConvertible {
        /// Its method, such as `GET`.
        public var method: String
        /// Its path, with the query when there is one.
        public var path: String
        /// Its `Authorization` header.
        public var authorization: String?
        /// Its `X-Auth-Token` header.
        public var token: String?
        /// Every header, by lower-case name.
        public var headers: [String: String] = [:]
        /// Its body, as text (up to 1 MiB).
        public var body: String = ""

        public var description: String { "\(method) \(path)" }
    }

    private struct State {
        var replies: [String: Reply] = [:]
        var received: [Received] = []
    }

    private final class Store: Sendable {
        let state = Mutex(State())
    }

    private let store: Store
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)
    /// The port it listens on.
    public let port: Int

    /// Starts the server on a free loopback port.
    public init() async throws {
        let store = Store()
        self.store = store
        let responder = CallbackResponder<BasicRequestContext> { request, _ in await Self.answer(request, store) }
        let (port, running) = try await LoopbackApplication.start("the scripted HTTP server") { onServerRunning in
            Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: onServerRunning, logger: Self.quiet)
        }
        self.port = port
        task.withLock { $0 = running }
    }

    /// Its base URL, such as `http://127.0.0.1:40123`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Answers requests for `path` (with its query, if any) with `reply`: those of `method`
    /// only, or of any method when `method` is nil.
    public func script(_ method: String? = nil, _ path: String, _ reply: Reply) {
        store.state.withLock { $0.replies[Self.key(method, path)] = reply }
    }

    /// Every request so far, in order.
    public var received: [Received] { store.state.withLock { $0.received } }

    /// Stops the server.
    public func stop() { task.withLock { $0?.cancel() } }

    deinit { task.withLock { $0?.cancel() } }

    private static func key(_ method: String?, _ path: String) -> String { "\(method ?? "*") \(path)" }

    private static func answer(_ request: Request, _ store: Store) async -> Response {
        let path = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
        let method = request.method.rawValue
        var received = Received(method: method, path: path, authorization: request.headers[.authorization],
            token: HTTPField.Name("X-Auth-Token").flatMap { request.headers[$0] })
        for field in request.headers { received.headers[field.name.canonicalName] = field.value }
        if let body = try? await request.body.collect(upTo: 1 << 20) { received.body = String(buffer: body) }
        let reply = store.state.withLock { state -> Reply? in
            state.received.append(received)
            return state.replies[key(method, path)] ?? state.replies[key(nil, path)]
        }
        guard let reply else { return Response(status: .notFound) }
        var headers = HTTPFields()
        if let location = reply.location { headers[.location] = location }
        if reply.json != nil { headers[.contentType] = "application/json" }
        return Response(status: HTTPResponse.Status(code: reply.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: reply.json ?? "")))
    }

    /// A logger that keeps the server's shutdown chatter out of the test output.
    private static let quiet: Logger = {
        var logger = Logger(label: "scripted-http-server")
        logger.logLevel = .critical
        return logger
    }()
}
