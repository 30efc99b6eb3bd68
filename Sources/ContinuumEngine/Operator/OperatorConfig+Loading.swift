import ContinuumSpec
import Foundation

extension OperatorConfig {
    /// The keys of the file's top level.
    static let topKeys = ["apiVersion", "kind", "secretsDirectory", "connections", "tenants", "notifications"]
    /// The keys of a notification target.
    static let notificationKeys = ["type", "url", "repository", "token", "events", "link", "allowPlaintext"]
    /// The keys of a connection.
    static let connectionKeys = ["type", "settings", "tunable", "credentials", "allowPlaintext", "allowUnsafeURI", "insecureSkipClusterVerify", "limits", "program"]
    /// The keys of a program.
    static let programKeys = ["path", "arguments", "sha256", "environment", "timeout"]
    /// The keys of a tenant.
    static let tenantKeys = ["paths", "connections", "kinds", "nodeLabels"]

    /// Reads and checks the operator configuration at `path`. A relative `secretsDirectory`
    /// is taken from the file's directory.
    /// - Throws: `DiagnosticsError` with every problem, each at its line and column.
    public static func load(_ path: String) throws(DiagnosticsError) -> OperatorConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DiagnosticsError([Diagnostic(about: path, "cannot read the operator configuration; check the path given by --config and its permissions")])
        }
        let documents = try YAMLDocumentReader().documents(of: Array(data), file: path).get()
        guard documents.count == 1, let root = documents.first else {
            throw DiagnosticsError([Diagnostic(about: path, "expected one YAML document, an OperatorConfig")])
        }
        var reader = OperatorConfigReader()
        var config = reader.config(root, file: path)
        if let directory = config.secretsDirectory, !directory.path.hasPrefix("/") {
            config.secretsDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(directory.relativePath)
        }
        guard reader.diagnostics.isEmpty else { throw DiagnosticsError(reader.diagnostics.sorted()) }
        return config
    }
}

/// Walks the configuration's YAML, collecting every problem with its location.
struct OperatorConfigReader {
    var diagnostics: [Diagnostic] = []

    mutating func config(_ root: YAMLNode, file: String) -> OperatorConfig {
        var config = OperatorConfig(file: file)
        guard let top = mapping(root, "", allowed: OperatorConfig.topKeys) else { return config }
        if let kind = top["kind"], kind.scalarText != "OperatorConfig" { error(kind, "kind: expected OperatorConfig") }
        if let node = top["secretsDirectory"], let path = text(node, "secretsDirectory") {
            // A relative directory is the file's neighbour, wherever the controller runs.
            config.secretsDirectory = path.hasPrefix("/") ? URL(fileURLWithPath: path, isDirectory: true)
                : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path, isDirectory: true).standardizedFileURL
        }
        if let node = top["connections"], let entries = mapping(node, "connections", allowed: nil) {
            for (name, value) in entries.pairs {
                guard let name = self.name(name, "connections") else { continue }
                if let connection = connection(name, value) { config.connections[name] = connection }
            }
        }
        if let node = top["tenants"], let entries = mapping(node, "tenants", allowed: nil) {
            for (name, value) in entries.pairs {
                guard let name = self.name(name, "tenants") else { continue }
                if let tenant = tenant(name, value, connections: config.connections) { config.tenants[name] = tenant }
            }
        }
        if let node = top["notifications"], let entries = mapping(node, "notifications", allowed: nil) {
            for (name, value) in entries.pairs {
                guard let name = self.name(name, "notifications") else { continue }
                if let target = notification(name, value) { config.notifications[name] = target }
            }
        }
        return config
    }

    private mutating func notification(_ name: String, _ node: YAMLNode) -> NotificationTarget? {
        let path = "notifications.\(name)"
        guard let fields = mapping(node, path, allowed: OperatorConfig.notificationKeys) else { return nil }
        let kinds = NotificationTarget.Kind.allCases.map(\.rawValue)
        guard let typeNode = fields["type"], let type = text(typeNode, "\(path).type") else {
            error(node, "\(path).type: required: one of \(kinds.joined(separator: ", "))")
            return nil
        }
        guard let kind = NotificationTarget.Kind(rawValue: type) else {
            error(typeNode, "\(path).type: unknown type '\(type)'\(NameSuggester.hint(for: type, in: kinds)); types are \(kinds.joined(separator: ", "))")
            return nil
        }
        guard let urlNode = fields["url"], let text = text(urlNode, "\(path).url"), let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            error(fields["url"] ?? node, "\(path).url: required: an http(s) URL (forges: the API's base, such as https://api.github.com)")
            return nil
        }
        var target = NotificationTarget(name: name, kind: kind, url: url)
        if let node = fields["allowPlaintext"] { target.allowPlaintext = boolean(node, "\(path).allowPlaintext") }
        if let node = fields["token"] { target.token = secret(node, "\(path).token") }
        if url.scheme == "http", target.token != nil, !target.allowPlaintext {
            error(urlNode, "\(path).url: the token would travel without TLS; use https, or set allowPlaintext: true for a lab")
        }
        if let node = fields["repository"] { target.repository = self.text(node, "\(path).repository") }
        if [.github, .gitlab].contains(kind), target.repository == nil {
            error(node, "\(path).repository: required for \(type): \(kind == .github ? "owner/name" : "the project's id or path")")
        }
        if let node = fields["link"], let text = self.text(node, "\(path).link") {
            if let link = URL(string: text), ["http", "https"].contains(link.scheme ?? "") { target.link = link } else { error(node, "\(path).link: expected an http(s) URL") }
        }
        if let node = fields["events"] {
            let names = NotificationTarget.Event.allCases.map(\.rawValue)
            guard case .sequence(let items) = node.content else {
                error(node, "\(path).events: expected a list of \(names.joined(separator: ", "))")
                return target
            }
            target.events = []
            for item in items {
                guard let name = item.scalarText, let event = NotificationTarget.Event(rawValue: name) else {
                    error(item, "\(path).events: unknown event '\(item.scalarText ?? "")'\(NameSuggester.hint(for: item.scalarText ?? "", in: names)); events are \(names.joined(separator: ", "))")
                    continue
                }
                target.events.insert(event)
            }
        }
        return target
    }

    private mutating func connection(_ name: String, _ node: YAMLNode) -> Connection? {
        let path = "connections.\(name)"
        guard let fields = mapping(node, path, allowed: OperatorConfig.connectionKeys) else { return nil }
        guard let typeNode = fields["type"] else {
            error(node, "\(path).type: required: sim, libvirt, redfish, opennebula or external")
            return nil
        }
        guard let typeText = text(typeNode, "\(path).type"), let type = ProviderType(rawValue: typeText) else {
            error(typeNode, "\(path).type: expected one of \(ProviderType.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        var connection = Connection(name: name, type: type, location: node.location)
        if let settings = fields["settings"] {
            if case .mapping = settings.content { connection.settings = freeForm(settings, "\(path).settings") } else {
                error(settings, "\(path).settings: expected a mapping of the provider's settings, found \(settings.typeDescription)")
            }
        }
        if let tunable = fields["tunable"] { connection.tunable = strings(tunable, "\(path).tunable") }
        if let credentials = fields["credentials"], let entries = mapping(credentials, "\(path).credentials", allowed: nil) {
            for (key, value) in entries.pairs {
                guard let key = key.scalarText else { continue }
                if let secret = secret(value, "\(path).credentials.\(key)") { connection.credentials[key] = secret }
            }
        }
        if let flag = fields["allowPlaintext"] { connection.allowPlaintext = boolean(flag, "\(path).allowPlaintext") }
        if let flag = fields["allowUnsafeURI"] { connection.allowUnsafeURI = boolean(flag, "\(path).allowUnsafeURI") }
        if let flag = fields["insecureSkipClusterVerify"] { connection.insecureSkipClusterVerify = boolean(flag, "\(path).insecureSkipClusterVerify") }
        if let limits = fields["limits"], let entries = mapping(limits, "\(path).limits", allowed: ["concurrency", "requestsPerSecond"]) {
            if let node = entries["concurrency"] {
                if let value = node.scalarText.flatMap(Int.init), value > 0 { connection.maximumConcurrency = value } else { error(node, "\(path).limits.concurrency: expected a whole number above 0") }
            }
            if let node = entries["requestsPerSecond"] {
                if let value = node.scalarText.flatMap(Double.init), value > 0 { connection.maximumRequestsPerSecond = value } else { error(node, "\(path).limits.requestsPerSecond: expected a number above 0") }
            }
        }
        if let program = fields["program"] {
            connection.program = self.program(program, "\(path).program")
        }
        if type == .external, connection.program == nil, fields["program"] == nil {
            error(node, "\(path).program: required for an external connection: the program's absolute path, arguments and environment")
        }
        if type != .external, let program = fields["program"] { error(program, "\(path).program: only external connections run a program") }
        return connection
    }

    private mutating func program(_ node: YAMLNode, _ path: String) -> ProviderProgram? {
        guard let fields = mapping(node, path, allowed: OperatorConfig.programKeys) else { return nil }
        guard let pathNode = fields["path"], let executable = text(pathNode, "\(path).path") else {
            error(node, "\(path).path: required: the program's absolute path")
            return nil
        }
        guard executable.hasPrefix("/") else {
            error(pathNode, "\(path).path: expected an absolute path, such as /usr/bin/python3: a program is never looked up on PATH")
            return nil
        }
        var program = ProviderProgram(path: executable)
        if let arguments = fields["arguments"] { program.arguments = strings(arguments, "\(path).arguments") }
        if let environment = fields["environment"] { program.environment = strings(environment, "\(path).environment") }
        if let digest = fields["sha256"], let text = text(digest, "\(path).sha256") {
            if text.count == 64, text.allSatisfy(\.isHexDigit) { program.sha256 = text.lowercased() } else { error(digest, "\(path).sha256: expected 64 hexadecimal digits") }
        }
        if let timeout = fields["timeout"] {
            if let text = timeout.scalarText, let duration = DurationText.parse(text), duration > .zero { program.timeout = duration } else {
                error(timeout, "\(path).timeout: expected a duration like 30s or 5m")
            }
        }
        return program
    }

    private mutating func tenant(_ name: String, _ node: YAMLNode, connections: [String: Connection]) -> Tenant? {
        let path = "tenants.\(name)"
        guard let fields = mapping(node, path, allowed: OperatorConfig.tenantKeys) else { return nil }
        var tenant = Tenant(name: name, paths: fields["paths"].map { strings($0, "\(path).paths") } ?? [])
        if tenant.paths.isEmpty { error(node, "\(path).paths: required: the spec directories the tenant owns, such as [fra/]") }
        if let node = fields["connections"] {
            tenant.connections = strings(node, "\(path).connections")
            for connection in tenant.connections where connections[connection] == nil {
                error(node, "\(path).connections: no connection named '\(connection)'\(NameSuggester.hint(for: connection, in: Array(connections.keys)))")
            }
        }
        if let node = fields["kinds"] {
            for text in strings(node, "\(path).kinds") {
                if let kind = ResourceKind(rawValue: text) { tenant.kinds.append(kind) } else {
                    error(node, "\(path).kinds: '\(text)' is not a kind\(NameSuggester.hint(for: text, in: ResourceKind.allCases.map(\.rawValue)))")
                }
            }
        }
        if let node = fields["nodeLabels"], let entries = mapping(node, "\(path).nodeLabels", allowed: nil) {
            for (key, value) in entries.pairs { if let key = key.scalarText, let value = value.scalarText { tenant.nodeLabels[key] = value } }
        }
        return tenant
    }

    private mutating func secret(_ node: YAMLNode, _ path: String) -> OperatorSecret? {
        guard let fields = mapping(node, path, allowed: ["file", "env"]), fields.pairs.count == 1 else {
            error(node, "\(path): expected {file: RELATIVE/PATH} (beneath secretsDirectory) or {env: VARIABLE}")
            return nil
        }
        if let file = fields["file"], let text = text(file, "\(path).file") {
            guard !text.hasPrefix("/"), !text.split(separator: "/").contains("..") else {
                error(file, "\(path).file: expected a path relative to secretsDirectory, without ..")
                return nil
            }
            return .file(text)
        }
        if let env = fields["env"], let text = text(env, "\(path).env") { return .environment(text) }
        return nil
    }

    // MARK: - Scalars and collections

    private mutating func mapping(_ node: YAMLNode, _ path: String, allowed: [String]?) -> Mapping? {
        guard case .mapping(let pairs) = node.content else {
            error(node, "\(path.isEmpty ? "the operator configuration" : path): expected a mapping, found \(node.typeDescription)")
            return nil
        }
        func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        var mapping = Mapping(pairs: [])
        var seen = Set<String>()
        for (key, value) in pairs {
            guard let text = key.scalarText else {
                error(key, "\(path.isEmpty ? "the operator configuration" : path): keys must be strings")
                continue
            }
            if !seen.insert(text).inserted { error(key, "\(field(text)): defined twice") }
            if let allowed, !allowed.contains(text) {
                error(key, "\(field(text)): unknown setting\(NameSuggester.hint(for: text, in: allowed)); valid settings are \(allowed.joined(separator: ", "))")
                continue
            }
            mapping.pairs.append((key, value))
        }
        return mapping
    }

    private mutating func name(_ node: YAMLNode, _ path: String) -> String? {
        guard let text = node.scalarText else {
            error(node, "\(path): names must be strings")
            return nil
        }
        if let problem = DNSLabel.problem(with: text) {
            error(node, "\(path).\(text): invalid name: \(problem)")
            return nil
        }
        return text
    }

    private mutating func text(_ node: YAMLNode, _ path: String) -> String? {
        guard let text = node.scalarText, !node.isNull else {
            error(node, "\(path): expected a string, found \(node.typeDescription)")
            return nil
        }
        return text
    }

    private mutating func boolean(_ node: YAMLNode, _ path: String) -> Bool {
        switch node.scalarText {
        case "true": return true
        case "false": return false
        default:
            error(node, "\(path): expected true or false")
            return false
        }
    }

    private mutating func strings(_ node: YAMLNode, _ path: String) -> [String] {
        guard case .sequence(let items) = node.content else {
            error(node, "\(path): expected a list, found \(node.typeDescription)")
            return []
        }
        return items.compactMap { text($0, path) }
    }

    private mutating func freeForm(_ node: YAMLNode, _ path: String) -> FieldValue {
        switch node.content {
        case .scalar(let text, _): return .string(text)
        case .sequence(let items): return .list(items.map { freeForm($0, path) })
        case .mapping:
            guard let fields = mapping(node, path, allowed: nil) else { return .map([]) }
            return .map(fields.pairs.compactMap { key, value in key.scalarText.map { FieldValue.Entry($0, freeForm(value, "\(path).\($0)")) } })
        }
    }

    private mutating func error(_ node: YAMLNode, _ message: String) {
        diagnostics.append(Diagnostic(at: node.location, message))
    }

    /// A mapping's pairs, looked up by key.
    struct Mapping {
        var pairs: [(key: YAMLNode, value: YAMLNode)]

        subscript(key: String) -> YAMLNode? {
            pairs.first { $0.key.scalarText == key }?.value
        }
    }
}
