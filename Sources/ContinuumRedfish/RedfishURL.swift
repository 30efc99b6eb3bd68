import Foundation

/// A URL the Redfish client may send a request to: one on the BMC endpoint's origin
/// (scheme, host and port), and no other.
///
/// Every request the client makes goes to a `RedfishURL`, whoever wrote the reference it
/// came from: a spec's `systemId`, a link the BMC answered with (`@odata.id`, an action's
/// `target`, the session collection), or a `Location` header (a task monitor, a redirect).
/// Resolving is the one place where a reference is checked, so credentials
/// (`X-Auth-Token`, Basic) are never sent to a host the endpoint does not name.
///
/// A path (`/redfish/v1/Systems/1`) is appended to the endpoint's URL, as the endpoint may
/// carry a path prefix; an absolute URL (`https://bmc/redfish/v1/TaskMonitors/7`) or a
/// network-path reference (`//bmc/x`) is accepted only on the endpoint's origin, and is
/// then sent to the endpoint's host with the reference's path and query.
///
/// With the endpoint `https://10.0.0.5`:
///
/// ```swift
/// try RedfishURL("/redfish/v1/Systems/1", on: endpoint).string   // "https://10.0.0.5/redfish/v1/Systems/1"
/// try RedfishURL("https://10.0.0.5:443/redfish/v1/Tasks/7", on: endpoint) // the same origin: accepted
/// try RedfishURL("https://evil.example/x", on: endpoint)         // throws .foreignOrigin("https://evil.example:443")
/// ```
struct RedfishURL: Sendable, Hashable, CustomStringConvertible {
    /// Why a reference was refused.
    enum Refusal: Error, Sendable, Hashable {
        /// The reference names another origin (given as `scheme://host:port`) than the endpoint's.
        case foreignOrigin(String)
        /// The reference is not a URL or path that can be sent.
        case malformed
    }

    /// The URL as it is sent: on the endpoint's host.
    let string: String

    var description: String { string }

    /// Resolves `reference` against the BMC's `endpoint`.
    /// - Throws: `Refusal.foreignOrigin` when the reference names another scheme, host or
    ///   port than the endpoint; `Refusal.malformed` when it cannot be read as a URL.
    init(_ reference: String, on endpoint: URL) throws(Refusal) {
        guard var target = URLComponents(url: endpoint, resolvingAgainstBaseURL: false), let home = Origin(target),
            let parsed = URLComponents(string: reference)
        else { throw .malformed }
        var path = parsed.percentEncodedPath
        if parsed.scheme == nil, parsed.percentEncodedHost == nil {
            // A path on the endpoint, after the endpoint's own path (a prefix, when it has one).
            let prefix = target.percentEncodedPath.hasSuffix("/") ? String(target.percentEncodedPath.dropLast()) : target.percentEncodedPath
            path = prefix + (path.hasPrefix("/") ? "" : "/") + path
        } else {
            // An absolute URL, or `//host/path` on the endpoint's scheme: only on the endpoint's origin.
            var absolute = parsed
            if absolute.scheme == nil { absolute.scheme = target.scheme }
            guard Origin(absolute) == home else { throw .foreignOrigin(Origin.describe(absolute)) }
            if path.isEmpty { path = "/" }
        }
        target.percentEncodedPath = path
        target.percentEncodedQuery = parsed.percentEncodedQuery
        target.fragment = nil
        guard let string = target.string else { throw .malformed }
        self.string = string
    }

    /// The endpoint's origin, as `scheme://host:port`, for messages.
    static func origin(of endpoint: URL) -> String {
        URLComponents(url: endpoint, resolvingAgainstBaseURL: false).map(Origin.describe) ?? endpoint.absoluteString
    }

    /// Scheme, host and port, compared without case, the scheme's default port filled in.
    private struct Origin: Hashable {
        let scheme: String
        let host: String
        let port: Int?

        /// Nil without a scheme or a host.
        init?(_ components: URLComponents) {
            guard let scheme = components.scheme?.lowercased(), let host = components.percentEncodedHost?.lowercased(), !host.isEmpty else { return nil }
            self.scheme = scheme
            self.host = host
            self.port = components.port ?? Self.defaultPort(scheme)
        }

        static func defaultPort(_ scheme: String) -> Int? { ["http": 80, "https": 443][scheme] }

        /// `scheme://host:port` as written, for messages (also for a reference without a host).
        static func describe(_ components: URLComponents) -> String {
            let scheme = components.scheme?.lowercased() ?? ""
            let port = components.port ?? defaultPort(scheme)
            return "\(scheme)://\(components.percentEncodedHost ?? "")" + (port.map { ":\($0)" } ?? "")
        }
    }
}
