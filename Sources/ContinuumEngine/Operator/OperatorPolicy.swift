import ContinuumSpec

/// Checks a spec repository against the operator's configuration: every `Provider` names a
/// declared connection of its type (only `sim` may go without), tunes only what that
/// connection allows, asks for no more than its ceilings and names no credentials; and,
/// when tenants are declared, every file is in a tenant's directory and uses only that
/// tenant's connections, kinds, providers and node labels. Each problem is located in the
/// spec and names the operator setting that would allow it.
struct OperatorPolicy {
    let config: OperatorConfig

    func diagnostics(for resources: [Resource]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var providerTenants: [String: String] = [:]
        for resource in resources where resource.owner == nil {
            if case .provider(let spec) = resource.spec { diagnostics += check(resource, spec) }
            if let tenant = tenant(of: resource), case .provider = resource.spec { providerTenants[resource.id.name] = tenant.name }
        }
        guard !config.tenants.isEmpty else { return diagnostics }
        let nodes = resources.filter { $0.id.kind == .bareMetalNode && $0.owner == nil }
        for resource in resources where resource.owner == nil {
            diagnostics += checkTenancy(resource, providerTenants: providerTenants)
            diagnostics += checkNodeCapture(resource, nodes: nodes)
        }
        return diagnostics
    }

    private func check(_ resource: Resource, _ spec: ProviderSpec) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if !spec.credentials.isEmpty {
            diagnostics.append(Diagnostic(at: resource.location(of: "spec.credentials"),
                "spec.credentials: credentials belong to the operator, not to specs: remove them and declare them on a connection (\(config.setting("connections.NAME.credentials")))"))
        }
        guard let name = spec.connection else {
            if spec.type != .sim {
                let candidates = config.connections.values.filter { $0.type == spec.type }.map(\.name).sorted()
                let choice = candidates.isEmpty ? "declare one in \(config.setting("connections"))" : "one of \(candidates.joined(separator: ", "))"
                diagnostics.append(Diagnostic(at: resource.location(of: "spec.type"),
                    "spec.type: \(spec.type == .external ? "an" : "a") \(spec.type.rawValue) provider needs an operator connection: set spec.connection to \(choice); only type: sim works without one"))
            }
            return diagnostics
        }
        guard let connection = config.connections[name] else {
            let known = config.connections.keys.sorted()
            let hint = NameSuggester.hint(for: name, in: known)
            diagnostics.append(Diagnostic(at: resource.location(of: "spec.connection"),
                "spec.connection: no connection named '\(name)'\(hint); " + (known.isEmpty ? "declare it in \(config.setting("connections"))" : "connections are \(known.joined(separator: ", "))")))
            return diagnostics
        }
        if connection.type != spec.type {
            diagnostics.append(Diagnostic(at: resource.location(of: "spec.type"),
                "spec.type: connection '\(name)' is a \(connection.type.rawValue) connection, not \(spec.type.rawValue); use type: \(connection.type.rawValue) or another connection"))
        }
        if case .map(let entries) = spec.config {
            for entry in entries where !connection.tunable.contains(entry.key) {
                let allowed = connection.tunable.isEmpty ? "none" : connection.tunable.joined(separator: ", ")
                diagnostics.append(Diagnostic(at: resource.location(of: "spec.config"),
                    "spec.config.\(entry.key): set by the operator for connection '\(name)'; a spec may tune only \(allowed) (\(config.setting("connections.\(name).tunable")))"))
            }
        }
        if let ceiling = connection.maximumConcurrency, let asked = spec.limits.concurrency, asked > ceiling {
            diagnostics.append(Diagnostic(at: resource.location(of: "spec.limits"),
                "spec.limits.concurrency: \(asked) is over connection '\(name)''s ceiling of \(ceiling) (\(config.setting("connections.\(name).limits.concurrency")))"))
        }
        if let ceiling = connection.maximumRequestsPerSecond, let asked = spec.limits.requestsPerSecond, asked > ceiling {
            diagnostics.append(Diagnostic(at: resource.location(of: "spec.limits"),
                "spec.limits.requestsPerSecond: \(asked) is over connection '\(name)''s ceiling of \(ceiling) (\(config.setting("connections.\(name).limits.requestsPerSecond")))"))
        }
        return diagnostics
    }

    /// The tenant owning the resource's file: the one whose directory is the longest match,
    /// so a tenant of `fra/b/` owns its files although another owns `fra/`.
    private func tenant(of resource: Resource) -> Tenant? {
        let file = resource.location.file
        return config.tenants.values.filter { $0.owns(file) }.max { ($0.depth(of: file), $1.name) < ($1.depth(of: file), $0.name) }
    }

    /// A cluster may select only its own tenant's bare-metal nodes, whatever its labels say.
    private func checkNodeCapture(_ resource: Resource, nodes: [Resource]) -> [Diagnostic] {
        guard !resource.nodeSelectors.isEmpty, let tenant = tenant(of: resource) else { return [] }
        var diagnostics: [Diagnostic] = []
        for selector in resource.nodeSelectors {
            for node in nodes where selector.allSatisfy({ node.metadata.labels[$0.key] == $0.value }) {
                guard let owner = self.tenant(of: node), owner.name != tenant.name else { continue }
                diagnostics.append(Diagnostic(at: resource.location(of: "spec.nodePools"),
                    "spec.nodePools: a node selector of tenant '\(tenant.name)' selects \(node.id), which belongs to tenant '\(owner.name)'; a cluster takes only its own tenant's nodes"))
            }
        }
        return diagnostics
    }

    private func checkTenancy(_ resource: Resource, providerTenants: [String: String]) -> [Diagnostic] {
        guard let tenant = tenant(of: resource) else {
            return [Diagnostic(at: resource.location,
                "\(resource.id) is in no tenant's directory; move it into one, or give a tenant this directory (\(config.setting("tenants.NAME.paths")))")]
        }
        var diagnostics: [Diagnostic] = []
        if !tenant.kinds.isEmpty, !tenant.kinds.contains(resource.id.kind) {
            diagnostics.append(Diagnostic(at: resource.location,
                "tenant '\(tenant.name)' may not declare \(resource.id.kind.rawValue) resources (\(config.setting("tenants.\(tenant.name).kinds")))"))
        }
        switch resource.spec {
        case .provider(let spec):
            if let connection = spec.connection, !tenant.connections.contains(connection) {
                diagnostics.append(Diagnostic(at: resource.location(of: "spec.connection"),
                    "spec.connection: tenant '\(tenant.name)' may not use connection '\(connection)' (\(config.setting("tenants.\(tenant.name).connections")))"))
            }
        default:
            if let provider = resource.spec.providerName, let owner = providerTenants[provider], owner != tenant.name {
                diagnostics.append(Diagnostic(at: resource.location(of: "spec.provider"),
                    "spec.provider: Provider/\(provider) belongs to tenant '\(owner)', not '\(tenant.name)'; use a provider of your own tenant"))
            }
        }
        if !tenant.nodeLabels.isEmpty {
            for selector in resource.nodeSelectors where !tenant.nodeLabels.allSatisfy({ selector[$0.key] == $0.value }) {
                let required = tenant.nodeLabels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                diagnostics.append(Diagnostic(at: resource.location(of: "spec.nodePools"),
                    "spec.nodePools: a node selector of tenant '\(tenant.name)' must require \(required), so that its clusters take only its own nodes (\(config.setting("tenants.\(tenant.name).nodeLabels")))"))
            }
        }
        return diagnostics
    }
}
