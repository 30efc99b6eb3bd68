public import ContinuumSpec

/// Where recorded state lives. The SQLite store is the default; tests use the in-memory one.
public protocol StateStore: Sendable {
    /// The current state. A store that does not exist yet reads as empty.
    func snapshot() async throws(StateError) -> StateSnapshot

    /// Records `upserts` and removes `removals` in one transaction, and returns the new serial.
    func commit(upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64
}
