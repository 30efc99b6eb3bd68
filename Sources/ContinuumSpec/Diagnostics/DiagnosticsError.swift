/// The error thrown when a spec repository, a graph or a plan has errors: all of them,
/// sorted by file and line, not only the first.
public struct DiagnosticsError: Error, Sendable, CustomStringConvertible {
    /// Every diagnostic, sorted.
    public var diagnostics: [Diagnostic]

    /// Creates the error from diagnostics, which it sorts.
    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sorted()
    }

    /// One diagnostic a line.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
