/// Filling in `${Kind/name.outputs.FIELD}` interpolations: what the planner does with the
/// outputs it knows, and what an applier does once dependencies exist.
extension FieldValue {
    /// The value with every template resolved through `lookup`; a template with an output
    /// `lookup` does not know becomes `.unknown` (shown as `(known after apply)`).
    public func resolvingInterpolations(_ lookup: (ResourceID, String) -> String?) -> FieldValue {
        switch self {
        case .template(let template): template.resolved(lookup).map(FieldValue.string) ?? .unknown
        case .list(let items): .list(items.map { $0.resolvingInterpolations(lookup) })
        case .map(let entries): .map(entries.map { Entry($0.key, $0.value.resolvingInterpolations(lookup)) })
        default: self
        }
    }

    /// The text an output contributes to an interpolated string.
    public var outputText: String {
        switch self {
        case .string(let text): text
        case .quantity(let quantity): quantity.text
        default: description
        }
    }
}
