import ContinuumSpec
import Foundation
import Synchronization

/// The contents of an in-memory state, shared by the `InMemoryStateStore`s that are
/// connections to it (as processes share a database): each change is made under one lock.
final class InMemoryStateStorage: Sendable {
    /// Everything a state holds.
    struct Contents: Sendable {
        var resources: [ResourceID: RecordedResource]
        var serial: Int64
        var lineage: String?
        var providers: [String: FieldValue]
        var lock: StateLock?
        var leaseGeneration: Int64 = 0
        var journal: [String: JournalEntry] = [:]
        var intentsRecorded: Int64 = 0
        var records: [ApplyRecord] = []
        var events: [ResourceID: [ResourceEvent]] = [:]
        var controls: [String: String] = [:]
        var leases: [String: NamedLease] = [:]
    }

    let contents: Mutex<Contents>

    init(_ snapshot: StateSnapshot) {
        contents = Mutex(Contents(
            resources: Dictionary(uniqueKeysWithValues: snapshot.resources.map { ($0.id, $0) }), serial: snapshot.serial, lineage: snapshot.lineage,
            providers: snapshot.providers))
    }
}
