public import ContinuumSpec
import Foundation
import Synchronization

/// A state store held in memory, for tests and dry runs. `connection()` gives another
/// store on the same contents, as a second process would open the same database.
public actor InMemoryStateStore: StateStore {
    private let storage: InMemoryStateStorage
    /// The lease taken through this store, checked by every write.
    private var fence: LeaseFence?
    private static let location = "in-memory state"

    /// Creates a store holding `snapshot`.
    public init(_ snapshot: StateSnapshot = .empty) {
        storage = InMemoryStateStorage(snapshot)
    }

    private init(sharing storage: InMemoryStateStorage) {
        self.storage = storage
    }

    /// Another store on the same contents, with its own lease (as another process).
    public nonisolated func connection() -> InMemoryStateStore {
        InMemoryStateStore(sharing: storage)
    }

    /// The state held.
    public func snapshot() async throws(StateError) -> StateSnapshot {
        storage.contents.withLock { StateSnapshot(serial: $0.serial, lineage: $0.lineage, resources: Array($0.resources.values), providers: $0.providers) }
    }

    /// Runs `body` on the contents after checking this store's fence, all under one lock.
    private func write<T: Sendable>(_ body: (inout InMemoryStateStorage.Contents) -> T) throws(StateError) -> T {
        let fence = self.fence
        let scoped = LeaseScope.current
        let result: Result<T, StateError> = storage.contents.withLock { contents in
            if let fence, !fence.admits(holder: contents.lock?.holder, generation: contents.lock?.generation) {
                return .failure(StateError.fenced(fence, current: contents.lock, location: Self.location))
            }
            if let scoped {
                for (name, fence) in scoped.fences.sorted(by: { $0.key < $1.key }) {
                    do throws(StateError) {
                        try NamedLease.check(name, fence, against: contents.leases[name], location: Self.location)
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return .success(body(&contents))
        }
        return try result.get()
    }

    /// Applies the changes and bumps the serial.
    public func commit(upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        try write { Self.apply(upserts: upserts, removals: removals, to: &$0) }
    }

    private static func apply(upserts: [RecordedResource], removals: [ResourceID], to contents: inout InMemoryStateStorage.Contents) -> Int64 {
        for resource in upserts { contents.resources[resource.id] = resource }
        for id in removals { contents.resources[id] = nil }
        contents.serial += 1
        return contents.serial
    }

    /// Takes or renews the lock.
    public func lock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError) {
        try take(holder: holder, for: duration, host: host, processID: processID, renewal: false)
    }

    /// Renews the lock this store took, unless another holder took it over since.
    public func renewLock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError) {
        try take(holder: holder, for: duration, host: host, processID: processID, renewal: fence?.holder == holder)
    }

    private func take(holder: String, for duration: Duration, host: String?, processID: Int32?, renewal: Bool) throws(StateError) {
        let fence = self.fence
        let result: Result<LeaseFence, StateError> = storage.contents.withLock { contents in
            let now = Date()
            if renewal, let fence, !fence.admits(holder: contents.lock?.holder, generation: contents.lock?.generation) {
                return .failure(StateError.fenced(fence, current: contents.lock, location: Self.location))
            }
            var since = now
            switch LeaseFence.decide(holder: holder, held: contents.lock, now: now.timeIntervalSince1970) {
            case .refuse(let held):
                return .failure(StateError.locked(by: held, location: Self.location))
            case .renew:
                since = contents.lock?.acquiredAt ?? now
            case .takeOver:
                contents.leaseGeneration += 1
            }
            contents.lock = StateLock(
                holder: holder, acquiredAt: since, expiresAt: now.addingTimeInterval(duration.timeInterval), host: host, processID: processID,
                generation: contents.leaseGeneration)
            return .success(LeaseFence(holder: holder, generation: contents.leaseGeneration))
        }
        self.fence = try result.get()
    }

    /// The lock held now.
    public func currentLock() async throws(StateError) -> StateLock? { storage.contents.withLock { $0.lock } }

    /// Releases the lock if `holder` holds it.
    public func unlock(holder: String) async throws(StateError) {
        storage.contents.withLock { if $0.lock?.holder == holder { $0.lock = nil } }
        if fence?.holder == holder { fence = nil }
    }

    /// Records an intent.
    public func recordIntent(_ entry: JournalEntry) async throws(StateError) {
        try write { contents in
            contents.journal[entry.key] = entry
            contents.intentsRecorded += 1
        }
    }

    /// Completes an intent and commits its result.
    public func completeIntent(key: String, outcome: JournalEntry.Outcome, upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        try write { contents in
            contents.journal[key]?.outcome = outcome
            return Self.apply(upserts: upserts, removals: removals, to: &contents)
        }
    }

    /// Writes intents and completions, in order, under one check of the fences.
    public func writeJournal(_ writes: [JournalWrite]) async throws(StateError) {
        try write { contents in
            for write in writes {
                switch write {
                case .intent(let entry):
                    contents.journal[entry.key] = entry
                    contents.intentsRecorded += 1
                case .completion(let key, let outcome, let upserts, let removals):
                    contents.journal[key]?.outcome = outcome
                    _ = Self.apply(upserts: upserts, removals: removals, to: &contents)
                }
            }
        }
    }

    /// How many intents have ever been recorded.
    public func journalPosition() async throws(StateError) -> Int64 {
        storage.contents.withLock { $0.intentsRecorded }
    }

    /// The intents never completed.
    public func pendingIntents() async throws(StateError) -> [JournalEntry] {
        storage.contents.withLock { $0.journal.values.filter { $0.outcome == .pending }.sorted { ($0.recordedAt, $0.key) < ($1.recordedAt, $1.key) } }
    }

    /// Records provider specs.
    public func recordProviders(_ providers: [String: FieldValue]) async throws(StateError) {
        try write { $0.providers.merge(providers) { $1 } }
    }

    /// The operator's controls.
    public func controls() async throws(StateError) -> [String: String] {
        storage.contents.withLock { $0.controls }
    }

    /// Sets or removes a control (not fenced).
    public func setControl(_ key: String, to value: String?) async throws(StateError) {
        storage.contents.withLock { $0.controls[key] = value }
    }

    /// Adds to the history.
    public func appendHistory(_ record: ApplyRecord) async throws(StateError) {
        try write { $0.records.append(record) }
    }

    /// Forgets old completed intents and all but the newest applies.
    public func prune(intentsBefore cutoff: Date, keptHistory: Int) async throws(StateError) {
        try write { contents in
            contents.journal = contents.journal.filter { $0.value.outcome == .pending || $0.value.recordedAt >= cutoff }
            if contents.records.count > keptHistory { contents.records.removeFirst(contents.records.count - max(0, keptHistory)) }
        }
    }

    /// The newest applies first.
    public func history(limit: Int) async throws(StateError) -> [ApplyRecord] {
        storage.contents.withLock { Array($0.records.reversed().prefix(limit)) }
    }

    /// Adds events.
    public func appendEvents(_ events: [ResourceEvent]) async throws(StateError) {
        try write { contents in
            for event in events { contents.events[event.resource, default: []].append(event) }
        }
    }

    /// The newest events of `resource` first.
    public func events(of resource: ResourceID, limit: Int) async throws(StateError) -> [ResourceEvent] {
        storage.contents.withLock { Array(($0.events[resource] ?? []).reversed().prefix(limit)) }
    }

    /// The newest event of every resource.
    public func latestEvents() async throws(StateError) -> [ResourceID: ResourceEvent] {
        storage.contents.withLock { $0.events.compactMapValues(\.last) }
    }

    /// Takes or renews a named lease.
    public func takeLease(_ name: String, holder: String, for duration: Duration, renewing fence: LeaseFence?) async throws(StateError) -> LeaseFence {
        let result: Result<LeaseFence, StateError> = storage.contents.withLock { contents in
            do throws(StateError) {
                let lease = try NamedLease.taking(
                    contents.leases[name], name: name, holder: holder, for: duration, renewing: fence, now: Date().timeIntervalSince1970, location: Self.location)
                contents.leases[name] = lease
                return .success(LeaseFence(holder: holder, generation: lease.generation))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Releases a named lease if `holder` holds it.
    public func releaseLease(_ name: String, holder: String) async throws(StateError) {
        storage.contents.withLock { if $0.leases[name]?.lock?.holder == holder { $0.leases[name]?.lock = nil } }
    }

    /// Removes the released leases under `prefix` and those lapsed more than `lapsedFor` ago.
    public func removeLapsedLeases(prefix: String, lapsedFor: Duration) async throws(StateError) -> [String] {
        let cutoff = Date().timeIntervalSince1970 - lapsedFor.timeInterval
        return storage.contents.withLock { contents in
            let names = contents.leases.values.filter { lease in
                lease.name.hasPrefix(prefix) && (lease.lock.map { $0.expiresAt.timeIntervalSince1970 < cutoff } ?? true)
            }.map(\.name).sorted()
            for name in names { contents.leases[name] = nil }
            return names
        }
    }

    /// The named leases.
    public func leases() async throws(StateError) -> [NamedLease] {
        storage.contents.withLock { $0.leases.values.sorted { $0.name < $1.name } }
    }
}
