import ContinuumSpec
import ContinuumState

extension RecordedResource {
    /// The store change that forgets the deleted deposed object `target`: the record
    /// without it, or no record at all when the record was kept only for its deposed
    /// objects (its own object was found gone) and this was the last of them.
    func forgetting(_ target: DeposedObject) -> (upserts: [RecordedResource], removals: [ResourceID]) {
        var record = self
        record.deposed.removeAll { $0 == target }
        return record.providerID == nil && record.deposed.isEmpty ? ([], [id]) : ([record], [])
    }
}
