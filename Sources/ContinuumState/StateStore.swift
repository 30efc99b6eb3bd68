public import ContinuumSpec
public import Foundation

/// Where recorded state lives. The SQLite store is the default; tests use the in-memory one.
public protocol StateStore: Sendable {
    /// The current state. A store that does not exist yet reads as empty.
    func snapshot() async throws(StateError) -> StateSnapshot

    /// Records `upserts` and removes `removals` in one transaction, and returns the new serial.
    func commit(upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64

    /// Takes the exclusive apply lock (the lease) for `duration`, or renews it for the same
    /// holder. Taking it from another holder (released or lapsed) moves its generation, the
    /// fencing token: from then on every write through this store checks, in the same
    /// transaction, that the lease still has this holder and generation.
    /// - Throws: `StateError` naming the current holder when someone else holds it.
    func lock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError)

    /// Renews the lease this store took for `holder` for another `duration`.
    /// - Throws: `StateError` with code `.fenced` when another holder took the lease over
    ///   since (even one that released it again), `.locked` when another holds it now.
    func renewLock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError)

    /// The lock as it is now, if anyone holds it.
    func currentLock() async throws(StateError) -> StateLock?

    /// Releases the lock if `holder` holds it; writes through this store are no longer fenced.
    func unlock(holder: String) async throws(StateError)

    /// Records a call before it is made (write-ahead).
    func recordIntent(_ entry: JournalEntry) async throws(StateError)

    /// Completes an intent and records its result in one transaction; returns the new serial.
    func completeIntent(key: String, outcome: JournalEntry.Outcome, upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64

    /// Writes `writes` (intents and completions, in order) in one transaction: all of them or
    /// none. Several operations' journal writes share one commit (and one fsync) this way.
    func writeJournal(_ writes: [JournalWrite]) async throws(StateError)

    /// The intents recorded but never completed.
    func pendingIntents() async throws(StateError) -> [JournalEntry]

    /// How many intents have ever been recorded: it moves with every journalled call, so a
    /// saved plan can tell whether any call was made since it was planned.
    func journalPosition() async throws(StateError) -> Int64

    /// Records the specs of the providers an apply used.
    func recordProviders(_ providers: [String: FieldValue]) async throws(StateError)

    /// Adds an apply to the history.
    func appendHistory(_ record: ApplyRecord) async throws(StateError)

    /// The most recent applies, newest first.
    func history(limit: Int) async throws(StateError) -> [ApplyRecord]

    /// Forgets completed intents recorded before `cutoff` (pending ones are kept whatever
    /// their age: recovery needs them) and all but the newest `keptHistory` applies, so
    /// that a controller running for years keeps a bounded state.
    func prune(intentsBefore cutoff: Date, keptHistory: Int) async throws(StateError)

    /// Adds events to their resources' histories.
    func appendEvents(_ events: [ResourceEvent]) async throws(StateError)

    /// The most recent events of one resource, newest first.
    func events(of resource: ResourceID, limit: Int) async throws(StateError) -> [ResourceEvent]

    /// The newest event of every resource that has one.
    func latestEvents() async throws(StateError) -> [ResourceID: ResourceEvent]

    /// The controls an operator set on the controller (suspension, a pinned commit), by
    /// key: kept with the state, so that they survive restarts and every replica sees them.
    func controls() async throws(StateError) -> [String: String]

    /// Sets the control `key` to `value`, or removes it when `value` is nil. Not fenced: an
    /// operator's action, not an apply's write.
    func setControl(_ key: String, to value: String?) async throws(StateError)

    /// Takes the named lease `name` (a shard's, a replica's membership) for `holder` for
    /// `duration`, or renews it when `holder` holds it; a takeover (released or lapsed)
    /// moves its generation. With `fence`, the lease must still be that holder's at that
    /// generation (a renewal): otherwise `.fenced`. Expiry is read against the store's clock.
    /// - Returns: the fence that writes made under the lease carry (`LeaseScope`).
    /// - Throws: `StateError` `.locked` naming the holder while another holds it.
    func takeLease(_ name: String, holder: String, for duration: Duration, renewing fence: LeaseFence?) async throws(StateError) -> LeaseFence

    /// Releases the named lease if `holder` holds it; its generation stays.
    func releaseLease(_ name: String, holder: String) async throws(StateError)

    /// Every named lease ever taken (held, lapsed or released), by name.
    func leases() async throws(StateError) -> [NamedLease]

    /// Removes the named leases whose name starts with `prefix` that are released, or lapsed
    /// more than `lapsedFor` ago (on the store's clock), in one transaction; a lease held
    /// now is never removed, so a holder that comes back and takes its lease again either
    /// keeps its row or makes a new one. For replicas' memberships, whose rows would
    /// otherwise pile up (a new holder name on every restart).
    /// - Returns: the names removed.
    func removeLapsedLeases(prefix: String, lapsedFor: Duration) async throws(StateError) -> [String]
}

extension StateStore {
    /// Takes the lock without naming a host and process.
    public func lock(holder: String, for duration: Duration) async throws(StateError) {
        try await lock(holder: holder, for: duration, host: nil, processID: nil)
    }
}
