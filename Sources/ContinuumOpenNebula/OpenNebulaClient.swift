import AsyncHTTPClient
import ContinuumProvider
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Speaks XML-RPC to one OpenNebula front-end: every call is a POST of a `methodCall` to
/// the endpoint with the session string as its first parameter, answered by the
/// documented triple `[success, result or error message, error code]`.
///
/// The session string is sent in request bodies to the endpoint and nowhere else: never
/// logged, never in an error (a message that echoes it has it replaced by `<session>`),
/// and redirects are not followed. TLS is verified, against the operator's CA file when
/// the connection names one. Requests pass the connection's `RequestGate`.
public final class OpenNebulaClient: Sendable {
    /// The XML-RPC endpoint.
    public let endpoint: URL
    private let session: String
    private let gate: RequestGate
    private let http: HTTPClient
    private let counts = Mutex<[String: Int]>([:])

    /// A client for `endpoint` with `session` (`user:password` or `user:token`), through
    /// the gate of connection `connection`.
    /// - Throws: `OpenNebulaCallError` when the CA file cannot be read.
    public init(endpoint: URL, session: String, caFile: String?, connection: String, concurrency: Int? = nil, requestsPerSecond: Double? = nil) throws(OpenNebulaCallError) {
        self.endpoint = endpoint
        self.session = session
        self.gate = RequestGate.shared(for: "\(connection)|\(endpoint.absoluteString)", concurrency: concurrency, requestsPerSecond: requestsPerSecond)
        self.http = try Self.client(caFile: caFile)
    }

    /// How many times each method was called through this client (for tests and figures).
    public var callCounts: [String: Int] { counts.withLock { $0 } }

    /// Calls `method` with the session and `parameters`, and returns the result of a
    /// successful triple.
    /// - Throws: `OpenNebulaCallError`: the triple's code and message when it failed, or a
    ///   transport or decoding failure.
    public func call(_ method: String, _ parameters: [XMLRPCValue]) async throws(OpenNebulaCallError) -> XMLRPCValue {
        counts.withLock { $0[method, default: 0] += 1 }
        let body = XMLRPCCodec.call(method, [.string(session)] + parameters)
        let data = try await gate.run { () async throws(OpenNebulaCallError) -> Data in try await self.post(method, body) }
        let response: XMLRPCCodec.Response
        do {
            response = try XMLRPCCodec.response(data)
        } catch {
            throw OpenNebulaCallError(method: method, code: nil, message: scrub(error.description))
        }
        switch response {
        case .fault(let code, let message):
            throw OpenNebulaCallError(method: method, code: .xmlRPCAPI, message: "XML-RPC fault \(code): \(scrub(message))")
        case .value(.array(let triple)) where triple.count >= 3:
            if case .bool(true) = triple[0] { return triple[1] }
            let message = if case .string(let text) = triple[1] { text } else { triple[1].description }
            let code: OpenNebulaErrorCode = if case .int(let raw) = triple[2], let known = OpenNebulaErrorCode(rawValue: raw) { known } else { .internal }
            throw OpenNebulaCallError(method: method, code: code, message: scrub(message))
        case .value(let other):
            throw OpenNebulaCallError(method: method, code: nil, message: "expected the triple [success, result, code], got \(String(other.description.prefix(80)))")
        }
    }

    /// The session string, and its secret part alone, replaced in `text`.
    private func scrub(_ text: String) -> String {
        var text = text.replacingOccurrences(of: session, with: "<session>")
        if let colon = session.firstIndex(of: ":") {
            let secret = String(session[session.index(after: colon)...])
            if secret.count >= 4 { text = text.replacingOccurrences(of: secret, with: "<secret>") }
        }
        return text
    }

    private func post(_ method: String, _ body: String) async throws(OpenNebulaCallError) -> Data {
        var request = HTTPClientRequest(url: endpoint.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/xml")
        request.headers.add(name: "User-Agent", value: "continuum-opennebula")
        request.body = .bytes(ByteBuffer(string: body))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(120))
            bytes = try await response.body.collect(upTo: 256 << 20)
        } catch {
            throw OpenNebulaCallError(method: method, code: nil, isTransport: true, message: "cannot reach \(endpoint.absoluteString): \(scrub(String(describing: error)))")
        }
        guard response.status == .ok else {
            throw OpenNebulaCallError(method: method, code: nil, isTransport: response.status.code >= 500, isMisdirected: response.status.code < 500,
                message: "\(endpoint.absoluteString) answered HTTP \(response.status.code)\(response.status.code / 100 == 3 ? " (a redirect, not followed: the session goes to the endpoint only)" : "")")
        }
        return Data(bytes.readableBytesView)
    }

    /// One HTTP client per CA file, shared for the life of the process. Redirects are
    /// never followed (the session travels in the body), and a refused connection fails
    /// the call at once (the executor retries it with backoff).
    private static func client(caFile: String?) throws(OpenNebulaCallError) -> HTTPClient {
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw OpenNebulaCallError(method: "connect", code: nil, isTransport: true, message: "cannot read the CA file \(caFile)")
        }
        return ProviderHTTPClients.client(caFile: caFile)
    }
}
