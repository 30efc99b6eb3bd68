public import Foundation

/// One apply in the state's history: when, from what source, what it did, how it ended.
public struct ApplyRecord: Sendable, Hashable, Codable {
    /// When it started.
    public var startedAt: Date
    /// When it ended.
    public var finishedAt: Date
    /// What was applied: a path, a saved plan, or a Git commit.
    public var source: String
    /// The plan's summary line.
    public var summary: String
    /// `succeeded`, `failed` or `interrupted`, with a detail.
    public var outcome: String

    /// Creates a record.
    public init(startedAt: Date, finishedAt: Date, source: String, summary: String, outcome: String) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.source = source
        self.summary = summary
        self.outcome = outcome
    }
}
