/// A Redfish resource as JSON, with the `ETag` the service sent for it.
struct RedfishDocument: @unchecked Sendable {
    // @unchecked: the dictionary holds JSON values from JSONSerialization (strings,
    // numbers, arrays, dictionaries), never mutated after parsing.
    /// The resource's fields.
    let object: [String: Any]
    /// Its ETag, when the service sends them (for `If-Match`).
    let etag: String?

    subscript(key: String) -> Any? { object[key] }

    /// `{"@odata.id": ...}` links under `key`.
    func link(_ key: String) -> String? { (object[key] as? [String: Any])?["@odata.id"] as? String }

    /// The member links of a collection.
    var members: [String] { (object["Members"] as? [[String: Any]] ?? []).compactMap { $0["@odata.id"] as? String } }

    /// The target of action `name` (`#ComputerSystem.Reset`).
    func action(_ name: String) -> String? { ((object["Actions"] as? [String: Any])?[name] as? [String: Any])?["target"] as? String }
}
