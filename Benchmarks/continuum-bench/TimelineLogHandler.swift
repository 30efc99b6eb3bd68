import Foundation
import Logging
import Synchronization

/// A log handler that keeps, for the messages asked about, when each was first logged
/// after `mark()`: the controller's own log lines as the timeline of a reconcile. Its
/// level is shared, so that debug lines (an operation started) are asked for only while
/// a measurement runs.
struct TimelineLogHandler: LogHandler {
    final class Timeline: Sendable {
        private let state = Mutex<(level: Logger.Level, since: ContinuousClock.Instant, seen: [String: ContinuousClock.Instant])>((.critical, .now, [:]))
        let watched: Set<String>

        init(watching messages: Set<String>) { watched = messages }

        /// Starts a measurement at `level`: forgets what was seen.
        func mark(level: Logger.Level) -> ContinuousClock.Instant {
            let now = ContinuousClock.now
            state.withLock { $0 = (level, now, [:]) }
            return now
        }

        func stop() { state.withLock { $0.level = .critical } }

        var level: Logger.Level { state.withLock { $0.level } }

        func saw(_ message: String) {
            guard watched.contains(message) else { return }
            let now = ContinuousClock.now
            state.withLock { if $0.seen[message] == nil { $0.seen[message] = now } }
        }

        /// When `message` was first logged since the mark, in seconds after it.
        func seconds(_ message: String) -> Double? {
            state.withLock { state in state.seen[message].map { (($0 - state.since) / .seconds(1)) } }
        }
    }

    let timeline: Timeline
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level {
        get { timeline.level }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { timeline.saw(event.message.description) }
}
