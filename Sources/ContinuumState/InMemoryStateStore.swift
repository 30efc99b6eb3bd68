public import ContinuumSpec
import Foundation

/// A state store held in memory, for tests and dry runs.
public actor InMemoryStateStore: StateStore {
    private var resources: [ResourceID: RecordedResource]
    private var serial: Int64
    private let lineage: String?
    private var providers: [String: FieldValue]
    private var currentLock: StateLock?
    private var journal: [String: JournalEntry] = [:]
    private var intentsRecorded: Int64 = 0
    private var records: [ApplyRecord] = []
    private var events: [ResourceID: [ResourceEvent]] = [:]

    /// Creates a store holding `snapshot`.
    public init(_ snapshot: StateSnapshot = .empty) {
        resources = Dictionary(uniqueKeysWithValues: snapshot.resources.map { ($0.id, $0) })
        serial = snapshot.serial
        lineage = snapshot.lineage
        providers = snapshot.providers
    }

    /// The state held.
    public func snapshot() async throws(StateError) -> StateSnapshot {
        StateSnapshot(serial: serial, lineage: lineage, resources: Array(resources.values), providers: providers)
    }

    /// Applies the changes and bumps the serial.
    public func commit(upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        for resource in upserts { resources[resource.id] = resource }
        for id in removals { resources[id] = nil }
        serial += 1
        return serial
    }

    /// Takes or renews the lock.
    public func lock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError) {
        let now = Date()
        if let held = currentLock, held.holder != holder, held.expiresAt > now {
            throw StateError.locked(by: held, location: "in-memory state")
        }
        let since = currentLock?.holder == holder ? currentLock?.acquiredAt ?? now : now
        currentLock = StateLock(holder: holder, acquiredAt: since, expiresAt: now.addingTimeInterval(duration.timeInterval), host: host, processID: processID)
    }

    /// The lock held now.
    public func currentLock() async throws(StateError) -> StateLock? { currentLock }

    /// Releases the lock if `holder` holds it.
    public func unlock(holder: String) async throws(StateError) {
        if currentLock?.holder == holder { currentLock = nil }
    }

    /// Records an intent.
    public func recordIntent(_ entry: JournalEntry) async throws(StateError) {
        journal[entry.key] = entry
        intentsRecorded += 1
    }

    /// Completes an intent and commits its result.
    public func completeIntent(key: String, outcome: JournalEntry.Outcome, upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        journal[key]?.outcome = outcome
        return try await commit(upserts: upserts, removals: removals)
    }

    /// The intents never completed.
    public func journalPosition() async throws(StateError) -> Int64 {
        intentsRecorded
    }

    public func pendingIntents() async throws(StateError) -> [JournalEntry] {
        journal.values.filter { $0.outcome == .pending }.sorted { ($0.recordedAt, $0.key) < ($1.recordedAt, $1.key) }
    }

    /// Records provider specs.
    public func recordProviders(_ providers: [String: FieldValue]) async throws(StateError) {
        self.providers.merge(providers) { $1 }
    }

    /// Adds to the history.
    public func appendHistory(_ record: ApplyRecord) async throws(StateError) {
        records.append(record)
    }

    /// Forgets old completed intents and all but the newest applies.
    public func prune(intentsBefore cutoff: Date, keptHistory: Int) async throws(StateError) {
        journal = journal.filter { $0.value.outcome == .pending || $0.value.recordedAt >= cutoff }
        if records.count > keptHistory { records.removeFirst(records.count - max(0, keptHistory)) }
    }

    /// The newest applies first.
    public func history(limit: Int) async throws(StateError) -> [ApplyRecord] {
        Array(records.reversed().prefix(limit))
    }

    /// Adds events.
    public func appendEvents(_ events: [ResourceEvent]) async throws(StateError) {
        for event in events { self.events[event.resource, default: []].append(event) }
    }

    /// The newest events of `resource` first.
    public func events(of resource: ResourceID, limit: Int) async throws(StateError) -> [ResourceEvent] {
        Array((events[resource] ?? []).reversed().prefix(limit))
    }

    /// The newest event of every resource.
    public func latestEvents() async throws(StateError) -> [ResourceID: ResourceEvent] {
        events.compactMapValues(\.last)
    }
}
