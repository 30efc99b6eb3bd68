public import ContinuumSpec

/// One change to the intent journal as a group commit writes it: an intent recorded before
/// its call, or an intent completed with its call's result. A batch of them is written in
/// one transaction (`StateStore.writeJournal(_:)`), in order.
public enum JournalWrite: Sendable {
    /// Records a call before it is made (write-ahead).
    case intent(JournalEntry)
    /// Completes the intent `key` and records its result (resources upserted and removed).
    case completion(key: String, outcome: JournalEntry.Outcome, upserts: [RecordedResource], removals: [ResourceID])
}
