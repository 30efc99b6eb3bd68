public import ContinuumSpec

/// Why a provider's `config` is invalid: one problem per field, each starting with the
/// field's path (`spec.config.endpoint: required: ...`), shown as validation errors at the
/// `config`'s location.
public struct ProviderConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems, each starting with the field path.
    public var problems: [String]

    /// Creates an error from its problems.
    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String { problems.joined(separator: "\n") }

    /// A problem for every key of `config` that is not `known`, with a "did you mean" hint.
    public static func unknownKeys(in config: FieldValue, known: [String], type: String) -> [String] {
        guard case .map(let entries) = config else { return [] }
        return entries.filter { !known.contains($0.key) }.map { entry in
            "spec.config.\(entry.key): unknown \(type) setting\(NameSuggester.hint(for: entry.key, in: known)); \(type) takes \(known.joined(separator: ", "))"
        }
    }
}
