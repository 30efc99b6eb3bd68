public import ContinuumProvider

/// The error codes of OpenNebula's XML-RPC response triple `[success, result or message,
/// code]`, as the API reference lists them.
public enum OpenNebulaErrorCode: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// 0x0000: success.
    case success = 0x0000
    /// 0x0100: the session could not be authenticated.
    case authentication = 0x0100
    /// 0x0200: the user may not perform the request (also quotas, on some front-ends).
    case authorization = 0x0200
    /// 0x0400: the object does not exist.
    case noExists = 0x0400
    /// 0x0800: the object is in the wrong state for the action.
    case action = 0x0800
    /// 0x1000: wrong parameters.
    case xmlRPCAPI = 0x1000
    /// 0x2000: an internal error (the object could not be loaded from the database).
    case `internal` = 0x2000
    /// 0x4000: the object cannot be allocated (quota, capacity, a bad template).
    case allocate = 0x4000
    /// 0x8000: the object is locked.
    case locked = 0x8000

    /// The name the reference gives it.
    public var description: String {
        switch self {
        case .success: "SUCCESS"
        case .authentication: "AUTHENTICATION"
        case .authorization: "AUTHORIZATION"
        case .noExists: "NO_EXISTS"
        case .action: "ACTION"
        case .xmlRPCAPI: "XML_RPC_API"
        case .internal: "INTERNAL"
        case .allocate: "ALLOCATE"
        case .locked: "LOCKED"
        }
    }

    /// How Continuum treats it: the `ProviderError` code (whether it is retried).
    /// AUTHENTICATION, AUTHORIZATION, XML_RPC_API and ALLOCATE are not retried; NO_EXISTS is
    /// "not found"; ACTION (wrong state), LOCKED and INTERNAL are passing and retried with
    /// backoff.
    public var providerCode: ProviderError.Code {
        switch self {
        case .authentication, .authorization, .xmlRPCAPI, .allocate, .success: .invalidRequest
        case .noExists: .notFound
        case .action, .locked, .internal: .transient
        }
    }
}
