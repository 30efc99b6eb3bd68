public import ContinuumSpec
public import Foundation

/// One thing that happened to a resource: what was done, when, and from which source
/// (a Git commit, a path or a saved plan). Kept in the state store per resource and shown
/// by `continuum state show` and the controller's API.
public struct ResourceEvent: Sendable, Hashable, Codable {
    /// The resource.
    public var resource: ResourceID
    /// When it happened.
    public var time: Date
    /// What happened: `created`, `updated`, `deleted`, `failed`, `drift detected`, `deleted outside Continuum`, ...
    public var action: String
    /// Where the change came from: `commit 1a2b3c4d5e6f`, a spec path, or `refresh`.
    public var source: String
    /// A detail, such as the error of a failed operation; empty when there is none.
    public var message: String

    /// Creates an event.
    public init(resource: ResourceID, time: Date = Date(), action: String, source: String, message: String = "") {
        self.resource = resource
        self.time = time
        self.action = action
        self.source = source
        self.message = message
    }
}
