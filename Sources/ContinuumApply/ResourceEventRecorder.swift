import ContinuumSpec
import ContinuumPlanner
public import ContinuumState
import Foundation
import Synchronization

/// Turns an apply's events into resource events for the state's per-resource history,
/// each marked with where the change came from (a commit, a path, a saved plan).
public final class ResourceEventRecorder: Sendable {
    /// Where the changes come from, such as `commit 1a2b3c4d5e6f`.
    public let source: String
    private let events = Mutex<[ResourceEvent]>([])

    /// Creates a recorder for changes from `source`.
    public init(source: String) {
        self.source = source
    }

    /// Records what `event` did to its resource, if it is worth remembering.
    public func record(_ event: ApplyEvent) {
        let recorded: ResourceEvent? = switch event {
        case .finished(let id, let operation, _, .succeeded):
            ResourceEvent(resource: id, action: operation.pastTense, source: source)
        case .finished(let id, let operation, _, .failed(let message)):
            ResourceEvent(resource: id, action: "\(operation.rawValue) failed", source: source, message: message)
        case .recovered(let id, let resolution):
            ResourceEvent(resource: id, action: "recovered (\(resolution.rawValue))", source: source)
        case .skipped(let id, let operation, let reason):
            ResourceEvent(resource: id, action: "\(operation.rawValue) skipped", source: source, message: reason)
        case .started, .retrying:
            nil
        }
        if let recorded { add([recorded]) }
    }

    /// Adds events found outside an apply, such as drift.
    public func add(_ new: [ResourceEvent]) {
        events.withLock { $0.append(contentsOf: new) }
    }

    /// The events recorded so far, emptied.
    public func drain() -> [ResourceEvent] {
        events.withLock { events in
            defer { events.removeAll() }
            return events
        }
    }
}
