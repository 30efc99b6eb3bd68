extension ProviderSpec {
    /// Reads back a provider spec that the state recorded as its canonical `fieldValue`, so
    /// that a provider gone from the spec is still built from a typed spec. A literal `site`
    /// (only a label) is not read back.
    /// - Returns: nil when the value is not a provider spec of a known type.
    public init?(recorded value: FieldValue) {
        guard case .string(let name)? = value["type"], let type = ProviderType(rawValue: name) else { return nil }
        self.init(type: type, connection: nil, site: nil, config: value["config"] ?? .map([]), credentials: [:], limits: Limits())
        if case .string(let connection)? = value["connection"] { self.connection = connection }
        if case .template(let template)? = value["site"] { site = template }
        if case .map(let entries)? = value["credentials"] {
            for entry in entries { if case .secret(let reference) = entry.value { credentials[entry.key] = reference } }
        }
        if case .integer(let value)? = value["limits"]?["concurrency"] { limits.concurrency = value }
        switch value["limits"]?["requestsPerSecond"] {
        case .number(let value)?: limits.requestsPerSecond = value
        case .integer(let value)?: limits.requestsPerSecond = Double(value)
        default: break
        }
    }
}
