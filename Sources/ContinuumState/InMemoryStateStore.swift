public import ContinuumSpec

/// A state store held in memory, for tests and dry runs.
public actor InMemoryStateStore: StateStore {
    private var current: StateSnapshot

    /// Creates a store holding `snapshot`.
    public init(_ snapshot: StateSnapshot = .empty) {
        self.current = snapshot
    }

    /// The state held.
    public func snapshot() async throws(StateError) -> StateSnapshot { current }

    /// Applies the changes and bumps the serial.
    public func commit(upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        var byID = Dictionary(uniqueKeysWithValues: current.resources.map { ($0.id, $0) })
        for resource in upserts { byID[resource.id] = resource }
        for id in removals { byID[id] = nil }
        current = StateSnapshot(serial: current.serial + 1, lineage: current.lineage, resources: Array(byID.values))
        return current.serial
    }
}
