public import ContinuumProvider
public import ContinuumSpec

/// The providers an apply may call, by name, with their operation limits.
public struct ProviderRegistry: Sendable {
    /// A provider and its limits.
    public struct Entry: Sendable {
        /// The implementation.
        public var provider: any Provider
        /// At most this many operations in flight on it.
        public var concurrency: Int?
        /// At most this many calls a second.
        public var requestsPerSecond: Double?

        /// Creates an entry.
        public init(provider: any Provider, concurrency: Int? = nil, requestsPerSecond: Double? = nil) {
            self.provider = provider
            self.concurrency = concurrency
            self.requestsPerSecond = requestsPerSecond
        }
    }

    /// The providers by name.
    public var entries: [String: Entry]

    /// Creates a registry.
    public init(_ entries: [String: Entry] = [:]) {
        self.entries = entries
    }

    /// Every provider's immutable fields per kind, for `PlanOptions.providerImmutableFields`.
    public var immutableFields: [String: [ResourceKind: [FieldPath]]] {
        entries.mapValues { entry in
            Dictionary(uniqueKeysWithValues: ResourceKind.allCases.map { ($0, entry.provider.immutableFields(of: $0)) }).filter { !$0.value.isEmpty }
        }
    }

    /// The provider named `name`.
    /// - Throws: `ProviderError` when no provider has that name.
    public func provider(_ name: String) throws(ProviderError) -> any Provider {
        guard let entry = entries[name] else {
            throw ProviderError(.invalidRequest, provider: name, message: "no provider of that name is configured", remedy: "restore the Provider resource in the spec, or its record in the state")
        }
        return entry.provider
    }
}
