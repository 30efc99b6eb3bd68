public import ContinuumSpec
public import ContinuumState
public import Foundation
import Synchronization

/// A state store whose connection can be cut: while `sever()`ed, every call fails as an
/// unreachable database's would (`.io`), and `restore()` mends it. Everything else goes to
/// the store it wraps. For the tests of what a lease holder does when its store stops
/// answering.
public final class SeveredStateStore: StateStore {
    /// The store reached while the connection is up.
    public let base: any StateStore
    private let severed = Atomic<Bool>(false)
    /// How many calls failed because the connection was cut.
    private let refused = Atomic<Int>(0)

    /// Wraps `base`, connected.
    public init(_ base: any StateStore) {
        self.base = base
    }

    /// Cuts the connection: every call fails from now on.
    public func sever() { severed.store(true, ordering: .sequentiallyConsistent) }

    /// Mends the connection.
    public func restore() { severed.store(false, ordering: .sequentiallyConsistent) }

    /// How many calls failed because the connection was cut.
    public var refusedCalls: Int { refused.load(ordering: .sequentiallyConsistent) }

    private func reach() throws(StateError) -> any StateStore {
        guard !severed.load(ordering: .sequentiallyConsistent) else {
            refused.add(1, ordering: .sequentiallyConsistent)
            throw StateError(.io, location: "severed state store", message: "the database does not answer (the connection was cut)", remedy: "restore the connection")
        }
        return base
    }

    public func snapshot() async throws(StateError) -> StateSnapshot { try await reach().snapshot() }
    public func commit(upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        try await reach().commit(upserts: upserts, removals: removals)
    }
    public func lock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError) {
        try await reach().lock(holder: holder, for: duration, host: host, processID: processID)
    }
    public func renewLock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError) {
        try await reach().renewLock(holder: holder, for: duration, host: host, processID: processID)
    }
    public func currentLock() async throws(StateError) -> StateLock? { try await reach().currentLock() }
    public func unlock(holder: String) async throws(StateError) { try await reach().unlock(holder: holder) }
    public func recordIntent(_ entry: JournalEntry) async throws(StateError) { try await reach().recordIntent(entry) }
    public func completeIntent(key: String, outcome: JournalEntry.Outcome, upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        try await reach().completeIntent(key: key, outcome: outcome, upserts: upserts, removals: removals)
    }
    public func writeJournal(_ writes: [JournalWrite]) async throws(StateError) { try await reach().writeJournal(writes) }
    public func pendingIntents() async throws(StateError) -> [JournalEntry] { try await reach().pendingIntents() }
    public func journalPosition() async throws(StateError) -> Int64 { try await reach().journalPosition() }
    public func recordProviders(_ providers: [String: FieldValue]) async throws(StateError) { try await reach().recordProviders(providers) }
    public func appendHistory(_ record: ApplyRecord) async throws(StateError) { try await reach().appendHistory(record) }
    public func history(limit: Int) async throws(StateError) -> [ApplyRecord] { try await reach().history(limit: limit) }
    public func prune(intentsBefore cutoff: Date, keptHistory: Int) async throws(StateError) {
        try await reach().prune(intentsBefore: cutoff, keptHistory: keptHistory)
    }
    public func appendEvents(_ events: [ResourceEvent]) async throws(StateError) { try await reach().appendEvents(events) }
    public func events(of resource: ResourceID, limit: Int) async throws(StateError) -> [ResourceEvent] { try await reach().events(of: resource, limit: limit) }
    public func latestEvents() async throws(StateError) -> [ResourceID: ResourceEvent] { try await reach().latestEvents() }
    public func controls() async throws(StateError) -> [String: String] { try await reach().controls() }
    public func setControl(_ key: String, to value: String?) async throws(StateError) { try await reach().setControl(key, to: value) }
    public func takeLease(_ name: String, holder: String, for duration: Duration, renewing fence: LeaseFence?) async throws(StateError) -> LeaseFence {
        try await reach().takeLease(name, holder: holder, for: duration, renewing: fence)
    }
    public func releaseLease(_ name: String, holder: String) async throws(StateError) { try await reach().releaseLease(name, holder: holder) }
    public func leases() async throws(StateError) -> [NamedLease] { try await reach().leases() }
    public func removeLapsedLeases(prefix: String, lapsedFor: Duration) async throws(StateError) -> [String] {
        try await reach().removeLapsedLeases(prefix: prefix, lapsedFor: lapsedFor)
    }
}
