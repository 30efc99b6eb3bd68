public import ContinuumEngine
public import Foundation

/// One thing the controller reports: what happened to which commit, in a line.
public struct ReconcileNotice: Sendable, Hashable, Codable {
    /// What happened.
    public var event: NotificationTarget.Event
    /// The commit it happened to.
    public var commit: String
    /// The plan's summary line, or what went wrong, in one line.
    public var summary: String
    /// The status message.
    public var message: String
    /// When.
    public var time: Date

    /// Creates a notice.
    public init(event: NotificationTarget.Event, commit: String, summary: String, message: String, time: Date = Date()) {
        self.event = event
        self.commit = commit
        self.summary = summary
        self.message = message
        self.time = time
    }
}
