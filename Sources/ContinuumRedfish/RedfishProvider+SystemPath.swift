import ContinuumProvider

extension RedfishProvider {
    /// The node a request asks for, with its `systemId` checked to be a system path.
    /// - Throws: `ProviderError` (`invalidRequest`) when the request is not a node's, or its
    ///   `systemId` is not `/redfish/v1/Systems/<id>`; nothing has been sent to the BMC then.
    func node(_ request: ProviderRequest) throws(ProviderError) -> Node {
        let node = try request.bareMetalNode(provider: name)
        try checkSystemPath(node.systemId, field: "spec.systemId")
        return node
    }

    /// Refuses `path` unless it is a system's path on the BMC, `/redfish/v1/Systems/<id>`.
    ///
    /// A spec author chooses `systemId` but not the BMC or its credentials: an absolute URL,
    /// `//host/...`, a `..` out of the systems collection or a query would point the
    /// provider's authenticated requests somewhere the provider's owner did not choose. The
    /// client refuses other origins too (`RedfishURL`); this check is the narrower one, and
    /// it comes first, before any request.
    /// - Parameters:
    ///   - path: the system path, as the spec or the recorded provider id has it.
    ///   - field: how to name it in the error.
    /// - Throws: `ProviderError` (`invalidRequest`) naming the field and the expected form.
    func checkSystemPath(_ path: String, field: String) throws(ProviderError) {
        guard !Self.isSystemPath(path) else { return }
        throw ProviderError(.invalidRequest, provider: name,
            message: "\(field) \"\(path)\" is not a Redfish system path: expected /redfish/v1/Systems/<id>, a path on the provider's endpoint with <id> one path segment (no scheme or host, no '/', '..', '%', query or fragment in <id>)",
            remedy: "write the system's path as the BMC lists it under /redfish/v1/Systems, such as /redfish/v1/Systems/1; the BMC's address is the provider's spec.config.endpoint")
    }

    /// Whether `path` is `/redfish/v1/Systems/<id>`, `<id>` one segment of ASCII letters,
    /// digits and `-._~:@!$&'()*+,;=` (RFC 3986 path characters, without percent-encoding),
    /// and not `.` or `..`.
    static func isSystemPath(_ path: String) -> Bool {
        let prefix = "/redfish/v1/Systems/"
        guard path.hasPrefix(prefix) else { return false }
        let id = path.dropFirst(prefix.count)
        return !id.isEmpty && id != "." && id != ".." && id.unicodeScalars.allSatisfy(segmentCharacters.contains)
    }

    private static let segmentCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:@!$&'()*+,;=".unicodeScalars)
}
