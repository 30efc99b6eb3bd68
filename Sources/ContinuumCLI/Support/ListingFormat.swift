import ArgumentParser

/// The output formats of the listing commands (`state`, `sim`): lines for people, JSON for tools.
enum ListingFormat: String, ExpressibleByArgument, CaseIterable {
    /// One line a record.
    case text
    /// Pretty-printed JSON.
    case json
}
