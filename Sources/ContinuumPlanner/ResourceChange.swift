public import ContinuumSpec

/// The planned change of one resource.
public struct ResourceChange: Sendable, Hashable, Codable {
    /// The resource.
    public var id: ResourceID
    /// What will be done.
    public var action: ChangeAction
    /// For a replace, which half runs first.
    public var replaceOrder: ReplaceOrder?
    /// The provider it will live on (for a delete, the one it lived on).
    public var provider: String
    /// For a provider move, the provider it leaves.
    public var previousProvider: String?
    /// Why a replace is needed, such as `spec.image is immutable`.
    public var reasons: [String]
    /// The changed fields; for a create, every field.
    public var fieldChanges: [FieldChange]
    /// The desired spec with its `${...}` templates unresolved (the applier fills them in
    /// once the outputs exist); nil for a delete. Field changes show resolved values.
    public var spec: FieldValue?
    /// The resources it depends on (desired graph; for a delete, as recorded).
    public var dependencies: [ResourceID]
    /// The resource this one was generated from (a cluster, for its machines), if any.
    public var owner: ResourceID?

    /// Creates a change.
    public init(
        id: ResourceID, action: ChangeAction, replaceOrder: ReplaceOrder? = nil, provider: String, previousProvider: String? = nil,
        reasons: [String] = [], fieldChanges: [FieldChange] = [], spec: FieldValue? = nil, dependencies: [ResourceID] = []
    ) {
        self.id = id
        self.action = action
        self.replaceOrder = replaceOrder
        self.provider = provider
        self.previousProvider = previousProvider
        self.reasons = reasons
        self.fieldChanges = fieldChanges
        self.spec = spec
        self.dependencies = dependencies
    }

    /// The plan symbol: `+`, `~`, `-/+`, `+/-`, `-`, or a blank for no-op.
    public var symbol: String {
        switch action {
        case .create: "+"
        case .update: "~"
        case .replace: replaceOrder == .createBeforeDestroy ? "+/-" : "-/+"
        case .delete: "-"
        case .noop: " "
        }
    }
}
