import AsyncHTTPClient
import ContinuumProvider
import ContinuumSpec
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Speaks HTTP to one Redfish service: session login (`X-Auth-Token`) with Basic auth as
/// the fallback when the service has no SessionService, `If-Match` with ETags, a retry on a
/// stale ETag (412), and task monitors for actions answered with 202.
actor RedfishClient {
    let provider: String
    let config: RedfishConfig
    private let credentials: (username: String, password: String)?
    private let http: HTTPClient
    private var token: String?
    private var useBasic = false

    init(provider: String, config: RedfishConfig, credentials: (username: String, password: String)?) throws(ProviderError) {
        self.provider = provider
        self.config = config
        self.credentials = credentials
        self.http = try RedfishClient.client(for: config, provider: provider)
    }

    /// Reads a resource; nil on 404.
    func get(_ path: String) async throws(ProviderError) -> RedfishDocument? {
        let response = try await send(.GET, path)
        if response.status == .notFound { return nil }
        try check(response, "GET \(path)")
        return RedfishDocument(object: Self.json(response.body) ?? [:], etag: response.headers.first(name: "ETag"))
    }

    /// POSTs an action and waits for its task monitor, if the service answers with one.
    func action(_ path: String, _ body: [String: Any]) async throws(ProviderError) {
        let response = try await send(.POST, path, body: body)
        try check(response, "POST \(path)")
        if response.status == .accepted, let monitor = response.headers.first(name: "Location") { try await waitForTask(monitor) }
    }

    /// PATCHes a resource with `If-Match` when its ETag is known; on 412 it reads the
    /// resource again and retries once.
    func patch(_ path: String, _ body: [String: Any], etag: String?) async throws(ProviderError) {
        var response = try await send(.PATCH, path, body: body, ifMatch: etag)
        if response.status == .preconditionFailed {
            let fresh = try await get(path)
            response = try await send(.PATCH, path, body: body, ifMatch: fresh?.etag)
        }
        try check(response, "PATCH \(path)")
        if response.status == .accepted, let monitor = response.headers.first(name: "Location") { try await waitForTask(monitor) }
    }

    private func waitForTask(_ monitor: String) async throws(ProviderError) {
        let deadline = ContinuousClock.now + config.powerTimeout
        while ContinuousClock.now < deadline {
            let response = try await send(.GET, monitor)
            guard response.status == .accepted else {
                try check(response, "GET the task \(monitor)")
                let state = Self.json(response.body)?["TaskState"] as? String
                if let state, ["Exception", "Killed", "Cancelled"].contains(state) {
                    throw error(.transient, "the task \(monitor) ended \(state)", remedy: "see the BMC's task log")
                }
                return
            }
            try? await Task.sleep(for: config.pollInterval)
        }
        throw error(.transient, "the task \(monitor) did not finish within \(DurationText.format(config.powerTimeout))", remedy: "raise spec.config.powerTimeout")
    }

    struct Response {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: Data
    }

    private func send(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil, ifMatch: String? = nil, retried: Bool = false) async throws(ProviderError) -> Response {
        try await authenticate()
        var request = HTTPClientRequest(url: url(path))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "OData-Version", value: "4.0")
        if let token { request.headers.add(name: "X-Auth-Token", value: token) } else if useBasic, let credentials {
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString())
        }
        if let ifMatch { request.headers.add(name: "If-Match", value: ifMatch) }
        if let body, let data = try? JSONSerialization.data(withJSONObject: body) {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let response = try await execute(request)
        if response.status == .unauthorized, token != nil, !retried {
            token = nil
            return try await send(method, path, body: body, ifMatch: ifMatch, retried: true)
        }
        return response
    }

    /// Logs in once. The service root (readable without credentials, by the standard)
    /// links the session collection when the service has sessions: a session it is, with
    /// `X-Auth-Token`. Without that link, or when even the root wants credentials, Basic auth.
    private func authenticate() async throws(ProviderError) {
        guard token == nil, !useBasic, let credentials else { return }
        let root = try await unauthenticated(.GET, "/redfish/v1", body: nil)
        guard root.status == .ok, let sessions = ((Self.json(root.body)?["Links"] as? [String: Any])?["Sessions"] as? [String: Any])?["@odata.id"] as? String else {
            useBasic = true
            return
        }
        let answer = try await unauthenticated(.POST, sessions, body: ["UserName": credentials.username, "Password": credentials.password])
        guard (200..<300).contains(answer.status.code), let value = answer.headers.first(name: "X-Auth-Token") else {
            throw error(.invalidRequest, "the BMC refused the session login (HTTP \(answer.status.code))", remedy: "check the provider's credentials")
        }
        token = value
    }

    private func unauthenticated(_ method: HTTPMethod, _ path: String, body: [String: Any]?) async throws(ProviderError) -> Response {
        var request = HTTPClientRequest(url: url(path))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body, let data = try? JSONSerialization.data(withJSONObject: body) {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        return try await execute(request)
    }

    private func execute(_ request: HTTPClientRequest) async throws(ProviderError) -> Response {
        do {
            let answer = try await http.execute(request, timeout: .seconds(60))
            let bytes = try await answer.body.collect(upTo: 16 << 20)
            return Response(status: answer.status, headers: answer.headers, body: Data(bytes.readableBytesView))
        } catch {
            throw self.error(.unavailable, "cannot reach the BMC at \(config.endpoint.absoluteString): \(error)", remedy: "check spec.config.endpoint, its TLS settings (caFile) and the network path to the BMC")
        }
    }

    private func check(_ response: Response, _ what: String) throws(ProviderError) {
        guard !(200..<300).contains(response.status.code) else { return }
        let message = Self.redfishMessage(response.body) ?? "HTTP \(response.status.code)"
        switch response.status.code {
        case 401, 403: throw error(.invalidRequest, "\(what): the BMC refused the credentials: \(message)", remedy: "check the provider's credentials")
        case 404: throw error(.notFound, "\(what): not found", remedy: "check spec.systemId against the BMC's /redfish/v1/Systems")
        case 500...: throw error(.transient, "\(what): \(message)", remedy: "the BMC failed; it is retried")
        default: throw error(.invalidRequest, "\(what): \(message)", remedy: "the BMC refused the request; see its message")
        }
    }

    private func url(_ path: String) -> String {
        path.hasPrefix("http") ? path : config.endpoint.absoluteString.trimmingCharacters(in: ["/"]) + path
    }

    private func error(_ code: ProviderError.Code, _ message: String, remedy: String) -> ProviderError {
        ProviderError(code, provider: provider, message: message, remedy: remedy)
    }

    static func json(_ data: Data) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// The message of a Redfish error body (`error.@Message.ExtendedInfo[0].Message`, else `error.message`).
    static func redfishMessage(_ data: Data) -> String? {
        guard let error = json(data)?["error"] as? [String: Any] else { return nil }
        if let info = error["@Message.ExtendedInfo"] as? [[String: Any]], let message = info.first?["Message"] as? String { return message }
        return error["message"] as? String
    }

    /// One client per TLS setting, shared by the providers that use it. A refused or
    /// failed connection fails the call at once (the executor retries it with backoff)
    /// rather than being retried inside the client until the call's deadline.
    private static func client(for config: RedfishConfig, provider: String) throws(ProviderError) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if config.insecureSkipVerify { tls.certificateVerification = .none }
        if let caFile = config.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ProviderError(.invalidRequest, provider: provider, message: "cannot read spec.config.caFile \(caFile)", remedy: "check the path and its permissions")
            }
            tls.trustRoots = .file(caFile)
        }
        // Kept for the life of the process: an HTTPClient must be shut down before it is freed.
        return clients.withLock { clients in
            let key = "\(config.insecureSkipVerify)|\(config.caFile ?? "")"
            if let client = clients[key] { return client }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(10)))
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }

    private static let clients = Mutex<[String: HTTPClient]>([:])
}
