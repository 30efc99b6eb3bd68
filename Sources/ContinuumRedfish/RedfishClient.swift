import AsyncHTTPClient
import ContinuumProvider
import ContinuumSpec
import Foundation
import NIOCore
import NIOHTTP1

/// Speaks HTTP to one Redfish service: session login (`X-Auth-Token`) with Basic auth as
/// the fallback when the service has no SessionService, `If-Match` with ETags, a retry on a
/// stale ETag (412), and task monitors for actions answered with 202.
///
/// Every request goes to the endpoint's origin and nowhere else: each path or URL it is
/// given or follows (a system path, `@odata.id` links, action targets, the session
/// collection, task monitor and redirect `Location`s) is resolved by `RedfishURL`, which
/// refuses another scheme, host or port before anything is sent, so the BMC's credentials
/// cannot be steered to a host of a spec author's (or a tampered BMC's) choosing.
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

    /// Sends an authenticated request to `reference` (a path or URL, on the endpoint's origin
    /// only); on a 401 with a session token, logs in again and retries once.
    private func send(_ method: HTTPMethod, _ reference: String, body: [String: Any]? = nil, ifMatch: String? = nil) async throws(ProviderError) -> Response {
        let url = try resolve(reference, for: method)
        try await authenticate()
        let data = body.flatMap { try? JSONSerialization.data(withJSONObject: $0) }
        let response = try await exchange(method, url, body: data, ifMatch: ifMatch, authorized: true)
        guard response.status == .unauthorized, token != nil else { return response }
        token = nil
        try await authenticate()
        return try await exchange(method, url, body: data, ifMatch: ifMatch, authorized: true)
    }

    /// Logs in once. The service root (readable without credentials, by the standard)
    /// links the session collection when the service has sessions: a session it is, with
    /// `X-Auth-Token`. Without that link, or when even the root wants credentials, Basic auth.
    private func authenticate() async throws(ProviderError) {
        guard token == nil, !useBasic, let credentials else { return }
        let root = try await exchange(.GET, try resolve("/redfish/v1", for: .GET), body: nil, ifMatch: nil, authorized: false)
        guard root.status == .ok, let sessions = ((Self.json(root.body)?["Links"] as? [String: Any])?["Sessions"] as? [String: Any])?["@odata.id"] as? String else {
            useBasic = true
            return
        }
        let login = try? JSONSerialization.data(withJSONObject: ["UserName": credentials.username, "Password": credentials.password])
        let answer = try await exchange(.POST, try resolve(sessions, for: .POST), body: login, ifMatch: nil, authorized: false)
        guard (200..<300).contains(answer.status.code), let value = answer.headers.first(name: "X-Auth-Token") else {
            throw error(.invalidRequest, "the BMC refused the session login (HTTP \(answer.status.code))", remedy: "check the provider's credentials")
        }
        token = value
    }

    /// Sends one request, with credentials when `authorized`, following redirects on the
    /// endpoint's origin (sushy-emulator redirects a system's name to its UUID); a redirect
    /// elsewhere is refused, never followed. async-http-client's own redirect following is
    /// off (see `client(for:provider:)`), so this is the only place a redirect is followed.
    private func exchange(_ method: HTTPMethod, _ url: RedfishURL, body: Data?, ifMatch: String?, authorized: Bool) async throws(ProviderError) -> Response {
        var url = url
        for _ in 0...Self.redirectLimit {
            var request = HTTPClientRequest(url: url.string)
            request.method = method
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "OData-Version", value: "4.0")
            if authorized, let token {
                request.headers.add(name: "X-Auth-Token", value: token)
            } else if authorized, useBasic, let credentials {
                request.headers.add(name: "Authorization", value: "Basic " + Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString())
            }
            if let ifMatch { request.headers.add(name: "If-Match", value: ifMatch) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response = try await execute(request)
            let code = response.status.code
            guard [301, 302, 303, 307, 308].contains(code), let location = response.headers.first(name: "Location") else { return response }
            let next = try resolve(location, for: method, redirectedFrom: url)
            // 301, 302 and 303 would turn another method into a GET without its body; Redfish never means that.
            guard method == .GET || code == 307 || code == 308 else {
                throw error(.invalidRequest, "the BMC answered \(method) \(url) with HTTP \(code) to \(next): not followed, as only 307 and 308 keep the method",
                    remedy: "point the spec at the resource itself")
            }
            url = next
        }
        throw error(.invalidRequest, "\(method) \(url): more than \(Self.redirectLimit) redirects", remedy: "check the BMC; point the spec at the resource itself")
    }

    private static let redirectLimit = 5

    /// The one check of every URL the client sends to: `reference` resolved on the endpoint,
    /// or refused, before anything (credentials above all) is sent to another origin.
    private func resolve(_ reference: String, for method: HTTPMethod, redirectedFrom source: RedfishURL? = nil) throws(ProviderError) -> RedfishURL {
        do {
            return try RedfishURL(reference, on: config.endpoint)
        } catch {
            let what = source.map { "the redirect of \(method) \($0) to \(reference)" } ?? "\(method) \(reference)"
            let home = RedfishURL.origin(of: config.endpoint)
            switch error {
            case .foreignOrigin(let foreign):
                throw self.error(.invalidRequest, "refused \(what): its origin \(foreign) is not the BMC endpoint's (\(home)); nothing was sent there, as credentials go to the endpoint only",
                    remedy: "a BMC links only to itself: check spec.config.endpoint, and what answers there (a proxy or a tampered BMC may point elsewhere)")
            case .malformed:
                throw self.error(.invalidRequest, "refused \(what): not a URL or path on the BMC endpoint (\(home))", remedy: "check the BMC's answer")
            }
        }
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
        if let caFile = config.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ProviderError(.invalidRequest, provider: provider, message: "cannot read spec.config.caFile \(caFile)", remedy: "check the path and its permissions")
        }
        // Redirects are followed by `exchange`, on the endpoint's origin only: never by the
        // client, where credentials would go wherever the Location points.
        return ProviderHTTPClients.client(caFile: config.caFile, skipVerify: config.insecureSkipVerify)
    }
}
