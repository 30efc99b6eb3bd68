import Foundation

/// Who may use the API (`/api/v1/*`) and `/metrics`: bearer tokens in two roles, read and
/// write (which may also read), compared in constant time. Without a token the API answers
/// only on a loopback listener, where only this host's users reach it; `/metrics` is open on
/// a loopback listener and needs a read token on any other.
public struct APIAccess: Sendable {
    /// What a token allows.
    public enum Role: String, Sendable, Hashable {
        /// `GET` the status, resources and metrics.
        case read
        /// Also `POST /api/v1/reconcile`.
        case write
    }

    /// What to answer a request.
    enum Decision: Sendable, Equatable {
        /// Serve it.
        case allowed
        /// 401: no token, or not a valid one.
        case unauthorized(error: String, remedy: String)
        /// 403: a valid token without the role.
        case forbidden(error: String, remedy: String)
    }

    private let readToken: [UInt8]?
    private let writeToken: [UInt8]?
    /// Whether the listener is loopback-only.
    public let onLoopback: Bool

    /// Creates the access rules for a listener on `listenHost`, with the tokens' contents
    /// (surrounding whitespace removed; read from the files at start).
    /// - Throws: `ServerConfigurationError` when the API would be open to the network (see
    ///   `check(listenHost:hasReadToken:hasWriteToken:)`), a token is empty, or both tokens are the same.
    public init(readToken: String?, writeToken: String?, listenHost: String) throws(ServerConfigurationError) {
        let read = readToken.map { Array($0.trimmingCharacters(in: .whitespacesAndNewlines).utf8) }
        let write = writeToken.map { Array($0.trimmingCharacters(in: .whitespacesAndNewlines).utf8) }
        if read?.isEmpty == true || write?.isEmpty == true {
            throw ServerConfigurationError(.emptyToken, message: "an API token is empty", remedy: "put a token in the file, for example: openssl rand -hex 32 > FILE")
        }
        try Self.check(listenHost: listenHost, hasReadToken: read != nil, hasWriteToken: write != nil)
        if let read, let write, read == write {
            throw ServerConfigurationError(.sharedToken,
                message: "--api-token-file and --api-write-token-file hold the same token, so a read token could trigger reconciles",
                remedy: "give the write role a token of its own")
        }
        self.readToken = read
        self.writeToken = write
        onLoopback = HTTPListener.isLoopback(host: listenHost)
    }

    /// The rule on tokens: a listener that is not loopback serves the API only with at least
    /// one token configured.
    /// - Throws: `ServerConfigurationError` (`.unauthenticatedAPI`) when `listenHost` is not
    ///   loopback and there is no token.
    public static func check(listenHost: String, hasReadToken: Bool, hasWriteToken: Bool) throws(ServerConfigurationError) {
        guard hasReadToken || hasWriteToken || HTTPListener.isLoopback(host: listenHost) else {
            throw ServerConfigurationError(.unauthenticatedAPI,
                message: "--listen \(listenHost) is not a loopback address and no API token is configured: anyone who reaches it could read the status and trigger reconciles",
                remedy: "give --api-token-file (read) and --api-write-token-file (write), or listen on 127.0.0.1 or ::1")
        }
    }

    /// Whether any token is configured.
    public var hasTokens: Bool { readToken != nil || writeToken != nil }

    /// The roles configured, for the startup log.
    public var roles: [Role] { (readToken == nil ? [] : [.read]) + (writeToken == nil ? [] : [.write]) }

    /// The decision on an API request that needs `role`, given its `Authorization` header.
    func decide(authorization: String?, role: Role) -> Decision {
        guard hasTokens else { return .allowed }
        let remedy = "send the header Authorization: Bearer TOKEN with the contents of the controller's --api-token-file (read) or --api-write-token-file (write); continuum status and reconcile take --token-file FILE"
        guard let authorization, let token = Self.bearer(authorization) else {
            return .unauthorized(error: "this endpoint needs a bearer token", remedy: remedy)
        }
        // Both comparisons always run, so the time taken says nothing of which token matched.
        let isWrite = writeToken.map { ConstantTime.equals(token, $0) } ?? false
        let isRead = readToken.map { ConstantTime.equals(token, $0) } ?? false
        if isWrite || (isRead && role == .read) { return .allowed }
        guard isRead else { return .unauthorized(error: "the bearer token is not valid", remedy: remedy) }
        return .forbidden(
            error: "a read token cannot do this: it needs the write role",
            remedy: writeToken == nil
                ? "the controller has no write token: start it with --api-write-token-file"
                : "send the token in the controller's --api-write-token-file")
    }

    /// The decision on `GET /metrics`: open on a loopback listener, else as an API read.
    func decideMetrics(authorization: String?) -> Decision {
        onLoopback ? .allowed : decide(authorization: authorization, role: .read)
    }

    /// The token of `Bearer TOKEN` (the scheme in any case).
    private static func bearer(_ header: String) -> [UInt8]? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : Array(token.utf8)
    }
}
