public import ContinuumSpec

/// Why a plan for a ref was not served; each case maps to an HTTP status.
public enum PlanServiceError: Error, CustomStringConvertible, Sendable {
    /// The request is malformed (400).
    case badRequest(String)
    /// `--max-concurrent-plans` plans are running already (429).
    case busy(limit: Int)
    /// The ref could not be fetched or found (502 for the remote, 404 for a missing ref).
    case fetch(String, notFound: Bool)
    /// The commit's specs are invalid (422), each error with `file:line:col`.
    case invalid([Diagnostic])
    /// Planning failed: the state or a provider could not be read (503).
    case failed(String)

    public var description: String {
        switch self {
        case .badRequest(let message): message
        case .busy(let limit): "\(limit) plan\(limit == 1 ? " is" : "s are") being made already; ask again when one has finished (--max-concurrent-plans)"
        case .fetch(let message, _): message
        case .invalid(let diagnostics): "the specs are invalid: \(diagnostics.count) error\(diagnostics.count == 1 ? "" : "s")"
        case .failed(let message): message
        }
    }
}
