public import ContinuumSpec
public import Foundation

/// One mutating provider call, recorded before it is made (write-ahead) and completed
/// after. An entry still `pending` on the next run is a call whose outcome was lost: the
/// applier asks the provider with the idempotency key whether it took effect.
public struct JournalEntry: Sendable, Hashable, Codable {
    /// The operations.
    public typealias Operation = ResourceOperation

    /// Where an entry stands.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Recorded, not yet completed.
        case pending
        /// The call succeeded and the state records its result.
        case succeeded
        /// The call failed; nothing was recorded.
        case failed
        /// Found pending on a later run and resolved by asking the provider.
        case recovered
    }

    /// The idempotency key sent with the call.
    public var key: String
    /// The resource.
    public var resource: ResourceID
    /// The operation.
    public var operation: Operation
    /// The provider called.
    public var provider: String
    /// For updates and deletes, the object.
    public var providerID: String?
    /// The desired spec sent with a create or update (secret values never; references only).
    public var spec: FieldValue?
    /// What the resource depends on, so an adopted object's record orders deletes right.
    public var dependencies: [ResourceID]
    /// When the intent was recorded.
    public var recordedAt: Date
    /// Where it stands.
    public var outcome: Outcome

    /// Creates a pending entry.
    public init(key: String, resource: ResourceID, operation: Operation, provider: String, providerID: String? = nil, spec: FieldValue? = nil, dependencies: [ResourceID] = [], recordedAt: Date = Date()) {
        self.key = key
        self.resource = resource
        self.operation = operation
        self.provider = provider
        self.providerID = providerID
        self.spec = spec
        self.dependencies = dependencies
        self.recordedAt = recordedAt
        self.outcome = .pending
    }
}
