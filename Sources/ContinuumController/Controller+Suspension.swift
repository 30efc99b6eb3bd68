import ContinuumEngine
import ContinuumGit
import ContinuumSpec
import ContinuumState
import Foundation

extension Controller {
    /// The control that suspends the whole controller.
    static let suspendedKey = "suspended"
    /// The prefix of the controls that suspend one resource (`suspended/Kind/name`).
    static let suspendedResourcePrefix = "suspended/"

    /// The control that pins the controller to one commit (`continuum rollback`).
    static let pinnedKey = "pinned"
    /// The control that records the commit applied last, for restarts and other replicas.
    static let appliedKey = "applied"
    /// The prefix of the controls that record commits approved without a reviewed plan.
    static let approvedPrefix = "approved/"

    /// The commit an operator pinned the controller to, if any.
    var pinnedCommit: String? { controls[Self.pinnedKey] }

    /// Pins the controller to `commit` until `resume(tracking: true)`: it reconciles that
    /// commit instead of the tracked reference (`continuum rollback --to`), now; a reconcile
    /// running meanwhile is pre-empted. Only a commit the tracked reference has reached can
    /// be pinned: a pull request's head, which plans fetch, is not applied by a pin.
    /// - Throws: `ControlError` when the commit is not on the reference, or the state or the
    ///   repository cannot be reached.
    public func pin(_ commit: String) async throws(ControlError) -> String {
        let full: String?
        do { full = try await source.commitOnTrackedReference(commit) } catch { throw .source(error) }
        guard let full else { throw .notOnTrackedReference(commit: commit, reference: configuration.source.reference.description) }
        do { try await store.setControl(Self.pinnedKey, to: full) } catch { throw .state(error) }
        controls[Self.pinnedKey] = full
        status.pinnedCommit = full
        preempt(skipping: full, by: "a pin to commit \(full.prefix(12))", logger: logger)
        _ = await trigger()
        return "the controller is pinned to commit \(full.prefix(12)) until `continuum resume --tracking`"
    }

    /// Lifts a pin: the controller tracks its reference again, now.
    /// - Throws: `StateError` when the state cannot be written.
    public func resumeTracking() async throws(StateError) -> String {
        try await store.setControl(Self.pinnedKey, to: nil)
        controls[Self.pinnedKey] = nil
        status.pinnedCommit = nil
        preempt(by: "resuming tracking \(configuration.source.reference)", logger: logger)
        _ = await trigger()
        return "the controller tracks \(configuration.source.reference) again"
    }

    /// Whether an operator suspended the controller: it fetches and plans, applies nothing.
    var isSuspended: Bool { controls[Self.suspendedKey] != nil }

    /// The resources an operator suspended, with the reason plans show for them.
    var suspendedResources: [ResourceID: String] {
        var held: [ResourceID: String] = [:]
        for key in controls.keys where key.hasPrefix(Self.suspendedResourcePrefix) {
            guard let id = ResourceID(parsing: String(key.dropFirst(Self.suspendedResourcePrefix.count))) else { continue }
            held[id] = "\(ReconcilePolicy.suspendedReason) (\(controls[key] ?? "")); `continuum resume --resource \(id)` resumes it"
        }
        return held
    }

    /// Suspends the controller, or only `resource` and what depends on it; kept in the
    /// state, so it survives restarts and holds for every replica. Takes effect at the next
    /// reconcile, which is triggered now.
    /// - Throws: `StateError` when the state cannot be written.
    public func suspend(_ resource: ResourceID?) async throws(StateError) -> String {
        let since = "since \(Date().formatted(.iso8601))"
        let key = resource.map { Self.suspendedResourcePrefix + $0.description } ?? Self.suspendedKey
        try await store.setControl(key, to: since)
        controls[key] = since
        if resource == nil { preempt(by: "a suspension", logger: logger) }
        _ = await trigger()
        return resource.map { "\($0) and what depends on it are suspended: plans show them held, and they are not changed" }
            ?? "the controller is suspended: it fetches and plans, and applies nothing"
    }

    /// Resumes the controller, or only `resource`; reconciles at once.
    /// - Throws: `StateError` when the state cannot be written.
    public func resume(_ resource: ResourceID?) async throws(StateError) -> String {
        let key = resource.map { Self.suspendedResourcePrefix + $0.description } ?? Self.suspendedKey
        try await store.setControl(key, to: nil)
        controls[key] = nil
        loadedCommit = nil
        _ = await trigger()
        return resource.map { "\($0) is resumed" } ?? "the controller is resumed"
    }
}
