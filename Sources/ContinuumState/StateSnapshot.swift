public import ContinuumSpec

/// The recorded state at one serial number: every resource Continuum manages.
public struct StateSnapshot: Sendable, Hashable {
    /// Bumped on every change, so a saved plan can tell whether the state moved since.
    public var serial: Int64
    /// A random id fixed when the state is created, so plans are not applied to another state.
    public var lineage: String?
    /// The resources, sorted by id.
    public private(set) var resources: [RecordedResource]
    /// The spec of every provider last applied, by name, so resources whose provider is
    /// gone from the spec can still be deleted through it.
    public var providers: [String: FieldValue]
    private var indexByID: [ResourceID: Int]

    /// Creates a snapshot; resources are sorted by id.
    public init(serial: Int64 = 0, lineage: String? = nil, resources: [RecordedResource] = [], providers: [String: FieldValue] = [:]) {
        self.serial = serial
        self.lineage = lineage
        self.providers = providers
        let isSorted = resources.indices.dropFirst().allSatisfy { resources[$0 - 1].id < resources[$0].id }
        self.resources = isSorted ? resources : resources.sorted { $0.id < $1.id }
        indexByID = Self.index(self.resources)
    }

    /// Whether a record of `id` exists.
    public func contains(_ id: ResourceID) -> Bool {
        indexByID.index(forKey: id) != nil
    }

    /// Replaces the record that has `record`'s id, keeping the order; does nothing when
    /// there is none.
    public mutating func replace(_ record: RecordedResource) {
        guard let position = indexByID[record.id] else { return }
        resources[position] = record
    }

    /// Removes the records of `ids`.
    public mutating func remove(_ ids: Set<ResourceID>) {
        guard !ids.isEmpty else { return }
        resources.removeAll { ids.contains($0.id) }
        indexByID = Self.index(resources)
    }

    private static func index(_ resources: [RecordedResource]) -> [ResourceID: Int] {
        var indexByID: [ResourceID: Int] = [:]
        indexByID.reserveCapacity(resources.count)
        for index in resources.indices { indexByID[resources[index].id] = index }
        return indexByID
    }

    /// The empty state of a repository never applied.
    public static let empty = StateSnapshot()

    /// The record of `id`, if any.
    public subscript(id: ResourceID) -> RecordedResource? {
        indexByID[id].map { resources[$0] }
    }
}
