/// How an apply ended.
public struct ApplyResult: Sendable {
    /// Resources created.
    public var added: Int
    /// Resources updated in place.
    public var changed: Int
    /// Resources replaced (both halves succeeded).
    public var replaced: Int
    /// Resources deleted.
    public var destroyed: Int
    /// Operations that failed.
    public var failures: Int
    /// Whether a stop signal ended it early.
    public var interrupted: Bool
    /// Per-operation timings and outcomes.
    public var report: ApplyReport
    /// Steps not run because they, or a step they depend on, belong to a shard another
    /// replica holds: they wait for the state to record that work done.
    public var waiting = 0

    /// Whether everything planned was done.
    public var succeeded: Bool { failures == 0 && !interrupted }

    /// `Apply complete! Resources: 3 added, 1 changed, 0 replaced, 0 destroyed.`, or why not.
    public var summaryLine: String {
        let counts = "\(added) added, \(changed) changed, \(replaced) replaced, \(destroyed) destroyed"
        if interrupted { return "Apply interrupted: operations in flight finished and were recorded; the rest did not start. Resources: \(counts)." }
        if failures > 0 { return "Apply failed: \(failures) operation\(failures == 1 ? "" : "s") failed; independent ones went on. Resources: \(counts)." }
        if waiting > 0 { return "Apply complete for the shards held here; \(waiting) operation\(waiting == 1 ? "" : "s") wait for other shards. Resources: \(counts)." }
        return "Apply complete! Resources: \(counts)."
    }
}

extension ApplyResult {
    /// How an apply ended, as the history records it.
    public enum Outcome: Sendable, Hashable, CustomStringConvertible {
        /// Everything planned was done.
        case succeeded
        /// A stop signal ended it early.
        case interrupted
        /// This many operations failed.
        case failed(operations: Int)

        public var description: String {
            switch self {
            case .succeeded: "succeeded"
            case .interrupted: "interrupted"
            case .failed(let operations): "failed: \(operations) operations"
            }
        }
    }

    /// How it ended.
    public var outcome: Outcome {
        if interrupted { return .interrupted }
        return failures == 0 ? .succeeded : .failed(operations: failures)
    }
}

extension ApplyResult {
    /// The result of applying a plan with nothing to do.
    public static let nothing = ApplyResult(
        added: 0, changed: 0, replaced: 0, destroyed: 0, failures: 0, interrupted: false, report: ApplyReport(actions: [], makespan: 0))
}
