/// An old object of a resource replaced create-before-destroy: it still exists until the
/// replace's delete step removes it, and the state must not forget it meanwhile.
public struct DeposedObject: Sendable, Hashable, Codable {
    /// The provider it lives on (the old one, for a provider move).
    public var provider: String
    /// Its id there.
    public var providerID: String

    /// Creates a record of a deposed object.
    public init(provider: String, providerID: String) {
        self.provider = provider
        self.providerID = providerID
    }
}
