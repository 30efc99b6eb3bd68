import ContinuumSpec
import ContinuumState

/// Decides the change of one desired resource against its record.
struct ResourceDiffer {
    let resource: Resource
    /// The desired canonical spec with interpolations resolved.
    let desired: FieldValue
    let recorded: RecordedResource?
    let dependencies: [ResourceID]
    /// Fields the resource's provider cannot change in place, beyond spec-v1's.
    var providerImmutableFields: [FieldPath] = []

    func change(_ diagnostics: inout [Diagnostic]) -> ResourceChange {
        let provider = resource.spec.providerName ?? ""
        guard let recorded else {
            let fields = desired.flattened(at: "spec").map { FieldChange(path: $0.path, before: nil, after: $0.value) }
            return ResourceChange(id: resource.id, action: .create, provider: provider, fieldChanges: fields, spec: resource.spec.fieldValue, dependencies: dependencies)
        }
        var fieldChanges: [FieldChange] = []
        var reasons: [String] = []
        var firstForcing: FieldPath?
        for change in diff(recorded.spec, desired) where !resource.lifecycle.ignoreChanges.contains(where: { change.path.isWithin($0) }) {
            var change = change
            if let reason = replacementReason(for: change, diagnostics: &diagnostics) {
                change.forcesReplacement = true
                if firstForcing == nil { firstForcing = change.path }
                if !reasons.contains(reason) { reasons.append(reason) }
            }
            fieldChanges.append(change)
        }
        var result = ResourceChange(id: resource.id, action: .noop, provider: provider, fieldChanges: fieldChanges, spec: resource.spec.fieldValue, dependencies: dependencies)
        if recorded.provider != provider { result.previousProvider = recorded.provider }
        if !reasons.isEmpty {
            result.action = .replace
            result.reasons = reasons
            let moving = result.previousProvider != nil
            result.replaceOrder = (resource.lifecycle.createBeforeDestroy ?? moving) ? .createBeforeDestroy : .destroyBeforeCreate
            if resource.lifecycle.preventDestroy {
                diagnostics.append(Diagnostic(at: firstForcing.map(resource.location(of:)) ?? resource.location,
                    "\(resource.id) has lifecycle.preventDestroy set, but this plan would replace it (\(reasons.joined(separator: "; "))); revert the change, or first apply with preventDestroy: false"))
            }
        } else if !fieldChanges.isEmpty {
            result.action = .update
        }
        return result
    }

    /// The changed leaves between the recorded and the desired spec, in path order.
    func diff(_ old: FieldValue, _ new: FieldValue) -> [FieldChange] {
        Self.fieldChanges(from: old, to: new)
    }

    /// The changed leaves between two specs, in path order.
    static func fieldChanges(from old: FieldValue, to new: FieldValue) -> [FieldChange] {
        let before = old.flattened(at: "spec")
        let after = new.flattened(at: "spec")
        var beforeByPath: [FieldPath: FieldValue] = [:]
        for leaf in before { beforeByPath[leaf.path] = leaf.value }
        var changes: [FieldChange] = []
        var seen: Set<FieldPath> = []
        for leaf in after {
            seen.insert(leaf.path)
            let previous = beforeByPath[leaf.path]
            if previous != leaf.value || leaf.value == .unknown {
                changes.append(FieldChange(path: leaf.path, before: previous, after: leaf.value))
            }
        }
        for leaf in before where !seen.contains(leaf.path) {
            changes.append(FieldChange(path: leaf.path, before: leaf.value, after: nil))
        }
        return changes.sorted { $0.path < $1.path }
    }

    /// Why this field change forces a replace, or nil when it applies in place. Adds an
    /// error for a Kubernetes version change that is not one minor step up.
    func replacementReason(for change: FieldChange, diagnostics: inout [Diagnostic]) -> String? {
        let kind = resource.id.kind
        if change.path == "spec.provider", case .string(let old)? = change.before, case .string(let new)? = change.after {
            return "spec.provider changed: moving from provider '\(old)' to '\(new)'"
        }
        if let immutable = kind.immutableFields.first(where: { change.path.isWithin($0) }) {
            return "\(immutable) is immutable"
        }
        if let immutable = providerImmutableFields.first(where: { change.path.isWithin($0) }) {
            return "\(immutable) cannot change in place on provider '\(resource.spec.providerName ?? "")'"
        }
        guard kind == .kubernetesCluster else { return nil }
        if change.path == "spec.controlPlane.replicas", case .integer(let old)? = change.before, case .integer(let new)? = change.after,
            (old == 1) != (new == 1)
        {
            return "spec.controlPlane.replicas cannot change between 1 and \(max(old, new)) in place"
        }
        if change.path == "spec.version", case .string(let oldText)? = change.before, case .string(let newText)? = change.after,
            let old = KubernetesVersion(oldText), let new = KubernetesVersion(newText)
        {
            let location = resource.location(of: change.path)
            if new < old {
                diagnostics.append(Diagnostic(at: location,
                    "\(resource.id): spec.version \(old) -> \(new) is a downgrade; Kubernetes clusters only upgrade, so keep \(old) or create a new cluster"))
            } else if new.major != old.major || new.minor > old.minor + 1 {
                let next = new.major == old.major ? "\(old.major).\(old.minor + 1)" : "the next minor version"
                diagnostics.append(Diagnostic(at: location,
                    "\(resource.id): spec.version \(old) -> \(new) skips a minor version; upgrade one minor version at a time (\(next) first)"))
            }
        }
        return nil
    }
}
