public import ContinuumProvider

/// A failed XML-RPC call to an OpenNebula front-end: the method, the error code of the
/// response triple (nil when the call failed before a triple came back) and OpenNebula's
/// message, with the session string removed from it.
public struct OpenNebulaCallError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The XML-RPC method, such as `one.vm.allocate`.
    public var method: String
    /// The code of the response triple; nil for transport failures and malformed answers.
    public var code: OpenNebulaErrorCode?
    /// Whether the front-end could not be reached (or failed with HTTP 5xx): retried.
    public var isTransport: Bool
    /// Whether the endpoint answered, but not as an XML-RPC endpoint (HTTP 3xx or 4xx: a
    /// wrong path, a proxy that wants credentials): not retried.
    public var isMisdirected: Bool
    /// What went wrong, in OpenNebula's words where it gave some.
    public var message: String

    /// Creates an error.
    public init(method: String, code: OpenNebulaErrorCode?, isTransport: Bool = false, isMisdirected: Bool = false, message: String) {
        self.method = method
        self.code = code
        self.isTransport = isTransport
        self.isMisdirected = isMisdirected
        self.message = message
    }

    public var description: String {
        "\(method): \(code.map { "\($0): " } ?? "")\(message)"
    }

    /// The provider error Continuum acts on: whether it is retried, and what to do, naming
    /// the operator connection where the cause is there.
    public func providerError(provider: String, connection: String, endpoint: String) -> ProviderError {
        let place = "connection '\(connection)' (\(endpoint))"
        guard let code else {
            if isTransport {
                return ProviderError(.unavailable, provider: provider, message: "\(method) on \(place): \(message)",
                    remedy: "check the connection's endpoint, its caFile and the network path to the front-end's XML-RPC port (2633)")
            }
            return ProviderError(isMisdirected ? .invalidRequest : .transient, provider: provider, message: "\(method) on \(place): \(message)",
                remedy: "the front-end answered something that is not an XML-RPC response; check that the connection's endpoint names its XML-RPC path (/RPC2)")
        }
        let text = "\(method) on \(place) failed with \(code): \(message)"
        let remedy: String
        switch code {
        case .authentication: remedy = "the front-end refused the session of \(place): check its session credential (user:password or user:token) and that the user is enabled"
        case .authorization: remedy = "the user of \(place) may not do this: check its ACLs, group and quotas in OpenNebula"
        case .noExists: remedy = "the object is gone from the front-end"
        case .action: remedy = "the object is in the wrong state for this; it is retried with backoff"
        case .locked: remedy = "the object is locked in OpenNebula (onevm unlock); it is retried with backoff"
        case .internal: remedy = "the front-end failed; it is retried with backoff"
        case .allocate: remedy = "OpenNebula cannot allocate it (quota, capacity or the template): see its message, then change the spec or the front-end"
        case .xmlRPCAPI, .success: remedy = "the front-end refused the call's parameters: a front-end of another API version? report this with its version"
        }
        return ProviderError(code.providerCode, provider: provider, message: text, remedy: remedy)
    }
}
