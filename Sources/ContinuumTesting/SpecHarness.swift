import ContinuumSpec

/// Loads in-memory spec files, for tests.
public enum SpecHarness {
    /// Loads `files` (relative path to text) with `limits`.
    public static func load(_ files: [String: String], limits: LoaderLimits = .default) -> SpecRepository {
        SpecLoader(limits: limits).load(files: files.map { ($0.key, Array($0.value.utf8)) })
    }

    /// The diagnostics' lines (`file:line:col: error: message`).
    public static func lines(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map(\.description)
    }
}
