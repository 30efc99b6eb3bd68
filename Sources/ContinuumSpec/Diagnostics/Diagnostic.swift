/// One problem found in a spec repository, with where it is and what to do about it.
///
/// Printed one a line as `path/relative/to/repo.yaml:LINE:COL: error: MESSAGE`; a problem
/// that has no place in a file (a resource only the state knows) starts with the subject
/// instead, for example `VirtualMachine/web-1: error: ...`.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How serious a diagnostic is.
    public enum Severity: String, Sendable, Hashable, Codable {
        /// The input is refused.
        case error
        /// The input is accepted, but probably not what was meant.
        case warning
    }

    /// How serious it is.
    public var severity: Severity
    /// Where it is, when it has a place in a file.
    public var location: SourceLocation?
    /// What it is about when it has no location (for example a resource id).
    public var subject: String?
    /// What is wrong and what would be right.
    public var message: String

    /// Creates a diagnostic at a location.
    public init(_ severity: Severity = .error, at location: SourceLocation?, _ message: String) {
        self.severity = severity
        self.location = location
        self.subject = nil
        self.message = message
    }

    /// Creates a diagnostic about a subject that has no place in a file.
    public init(_ severity: Severity = .error, about subject: String, _ message: String) {
        self.severity = severity
        self.location = nil
        self.subject = subject
        self.message = message
    }

    public var description: String {
        let prefix = location?.description ?? subject ?? "continuum"
        return "\(prefix): \(severity.rawValue): \(message)"
    }
}

extension Diagnostic: Comparable {
    /// Diagnostics sort by file, line and column; those without a location come last, by subject.
    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        switch (lhs.location, rhs.location) {
        case let (l?, r?):
            if l != r { return l < r }
            return lhs.message < rhs.message
        case (.some, .none):
            return true
        case (.none, .some):
            return false
        case (.none, .none):
            return (lhs.subject ?? "", lhs.message) < (rhs.subject ?? "", rhs.message)
        }
    }
}
