public import ContinuumSpec
public import ContinuumState
import Foundation

/// One resource as the controller's API shows it: status, provider object, last action,
/// drift; and in the detailed form its recorded spec, outputs and event history. Secret
/// values never appear: specs hold references to secrets, shown as `(sensitive)`.
public struct ResourceReport: Sendable, Encodable {
    /// `Kind/name`.
    public var id: String
    /// The kind.
    public var kind: String
    /// The name.
    public var name: String
    /// The provider that owns it.
    public var provider: String?
    /// `Ready`, `Pending`, `Failed`, `Drifted` or `Orphaned`.
    public var status: String
    /// The provider's id of the object, once it exists.
    public var providerID: String?
    /// The newest event.
    public var lastAction: ResourceEvent?
    /// Whether the live object differs from the spec and is not (yet) corrected.
    public var drift: Bool
    /// The recorded spec (detail only).
    public var spec: PlainValue?
    /// The provider's outputs (detail only).
    public var outputs: [String: PlainValue]?
    /// The newest events first (detail only).
    public var events: [ResourceEvent]?
}
