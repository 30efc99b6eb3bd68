/// Operator configuration files for tests: connections in YAML, as an operator writes them.
public enum OperatorConfigSample {
    /// One connection. `settings` and `credentials` values are written as given (quote
    /// them if YAML would read them as something else); credentials are `{env: NAME}` or
    /// `{file: PATH}` flow mappings.
    public static func connection(
        _ name: String, type: String, settings: [(String, String)] = [], tunable: [String] = [], credentials: [(String, String)] = [],
        allowPlaintext: Bool = false, allowUnsafeURI: Bool = false, program: (path: String, arguments: [String])? = nil, extra: [String] = []
    ) -> String {
        var lines = ["  \(name):", "    type: \(type)"]
        if !settings.isEmpty { lines += ["    settings:"] + settings.map { "      \($0.0): \($0.1)" } }
        if !tunable.isEmpty { lines.append("    tunable: [\(tunable.joined(separator: ", "))]") }
        if !credentials.isEmpty { lines += ["    credentials:"] + credentials.map { "      \($0.0): \($0.1)" } }
        if allowPlaintext { lines.append("    allowPlaintext: true") }
        if allowUnsafeURI { lines.append("    allowUnsafeURI: true") }
        if let program {
            lines += ["    program:", "      path: \(program.path)", "      arguments: [\(program.arguments.map { "\"\($0)\"" }.joined(separator: ", "))]"]
        }
        lines += extra.map { "    \($0)" }
        return lines.joined(separator: "\n")
    }

    /// A whole file with `connections` (from `connection(...)`) and optional raw `tenants` lines.
    public static func file(secretsDirectory: String? = nil, connections: [String], tenants: [String] = []) -> String {
        var lines = ["apiVersion: continuum.dev/v1", "kind: OperatorConfig"]
        if let secretsDirectory { lines.append("secretsDirectory: \(secretsDirectory)") }
        lines.append("connections:")
        lines += connections
        if !tenants.isEmpty { lines += ["tenants:"] + tenants }
        return lines.joined(separator: "\n") + "\n"
    }
}
