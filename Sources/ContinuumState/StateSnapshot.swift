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
        self.resources = resources.sorted { $0.id < $1.id }
        var indexByID: [ResourceID: Int] = [:]
        for (index, resource) in self.resources.enumerated() { indexByID[resource.id] = index }
        self.indexByID = indexByID
    }

    /// The empty state of a repository never applied.
    public static let empty = StateSnapshot()

    /// The record of `id`, if any.
    public subscript(id: ResourceID) -> RecordedResource? {
        indexByID[id].map { resources[$0] }
    }
}
