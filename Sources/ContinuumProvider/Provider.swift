public import ContinuumSpec

/// A provider implementation: the code that turns one resource's spec into an object in
/// some cloud, hypervisor or BMC, observes it, and removes it. Every mutating call carries
/// an idempotency key, and every object records it, so that after a crash the applier can
/// ask `lookup` whether a call it never saw finish did create something.
public protocol Provider: Sendable {
    /// The name of the `Provider` resource this instance serves.
    var name: String { get }

    /// The object with this provider id, as it is now; nil when it no longer exists.
    func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject?

    /// The revision of every object this provider has, by provider id, from one listing call:
    /// a refresh then reads only the objects whose revision differs from the recorded one,
    /// and treats an id missing from the listing as deleted. Nil when the provider cannot
    /// list revisions; every recorded object is then read.
    func revisions() async throws(ProviderError) -> [String: String]?

    /// Whether `revisions()` covers objects of `kind`; objects of kinds it does not cover
    /// are read one by one (a wrapper that serves some kinds itself). Default: every kind.
    func listsRevisions(of kind: ResourceKind) -> Bool

    /// Whether calls are answered in this process without network or program I/O (the
    /// embedded sim): they cannot hang, so reads need no per-call timeout. Default false.
    var isLocal: Bool { get }

    /// The object created for `id` by the call with `idempotencyKey`, if any.
    func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject?

    /// Creates the object; a second call with the same idempotency key returns the first object.
    func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject

    /// Changes the object in place to `request.spec`.
    func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject

    /// Deletes the object; deleting one that is already gone succeeds.
    func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError)

    /// Fields this provider cannot change in place, beyond spec-v1's own, per kind.
    func immutableFields(of kind: ResourceKind) -> [FieldPath]

    /// How long an operation usually takes, for critical-path scheduling.
    func estimatedDuration(of operation: ProviderOperation, kind: ResourceKind) -> Duration
}

extension Provider {
    /// By default a provider cannot list revisions.
    public func revisions() async throws(ProviderError) -> [String: String]? { nil }

    /// Every kind.
    public func listsRevisions(of kind: ResourceKind) -> Bool { true }

    /// Not local.
    public var isLocal: Bool { false }

    /// By default a provider adds no immutable fields.
    public func immutableFields(of kind: ResourceKind) -> [FieldPath] { [] }

    /// By default every operation is estimated at one second.
    public func estimatedDuration(of operation: ProviderOperation, kind: ResourceKind) -> Duration { .seconds(1) }
}

/// The operation a provider is asked to estimate: the one `ResourceOperation`.
public typealias ProviderOperation = ResourceOperation
