import ContinuumSpec

/// Renders a plan as a Terraform-like listing: `+` create, `~` update, `-/+` or `+/-`
/// replace, `-` delete, with field diffs, ending with the summary line. Colour (ANSI)
/// only when asked for; the CLI asks only on a TTY without `NO_COLOR`.
public struct PlanTextRenderer: Sendable {
    /// Whether to use ANSI colours.
    public var colour: Bool

    /// Creates a renderer.
    public init(colour: Bool = false) {
        self.colour = colour
    }

    /// The listing.
    public func render(_ plan: Plan) -> String {
        var text = ""
        write(plan) { text += $0 }
        return text
    }

    /// The listing, handed to `output` a change at a time (the same text as `render`), so
    /// that a plan of 100,000 resources is printed without being held whole.
    public func write(_ plan: Plan, to output: (String) throws -> Void) rethrows {
        guard plan.hasChanges else {
            return try output(heldNotes(plan) + orphanNotes(plan) + plan.summary.line + "\n")
        }
        guard !plan.summary.isEmpty else {
            return try output(providerLines(plan).joined(separator: "\n") + "\n" + heldNotes(plan) + orphanNotes(plan) + bold(plan.summary.line) + "\n")
        }
        for line in providerLines(plan) + ["Continuum will perform the following actions:", ""] { try output(line + "\n") }
        for change in plan.changes {
            var text = "  " + paint(change.symbol, for: change.action) + " " + bold(change.id.description) + header(change) + "\n"
            for line in fieldLines(change) { text += "      " + line + "\n" }
            try output(text + "\n")
        }
        try output(heldNotes(plan) + orphanNotes(plan) + bold(plan.summary.line) + "\n")
    }

    private func header(_ change: ResourceChange) -> String {
        action(change) + (change.owner.map { " (generated from \($0))" } ?? "")
    }

    private func action(_ change: ResourceChange) -> String {
        switch change.action {
        case .create: " will be created on provider '\(change.provider)'"
        case .update: " will be updated in place"
        case .delete: " will be destroyed"
        case .noop: ""
        case .replace:
            " must be replaced, \(change.replaceOrder == .createBeforeDestroy ? "create before destroy" : "destroy before create") ("
                + change.reasons.joined(separator: "; ") + ")"
        }
    }

    /// The field lines of one change, without indentation.
    func fieldLines(_ change: ResourceChange) -> [String] {
        switch change.action {
        case .delete, .noop:
            return []
        case .create:
            let width = change.fieldChanges.map(\.path.text.count).max() ?? 0
            return change.fieldChanges.map { field in
                paint("+", for: .create) + " " + field.path.text.padding(toLength: width) + " = " + (field.after?.description ?? "null")
            }
        case .update, .replace:
            return change.fieldChanges.map { field in
                let note = field.forcesReplacement ? paint(" # forces replacement", for: .delete) : ""
                switch (field.before, field.after) {
                case (nil, let after?): return paint("+", for: .create) + " \(field.path) = \(after)" + note
                case (let before?, nil): return paint("-", for: .delete) + " \(field.path) = \(before)" + note
                case (let before?, let after?): return paint("~", for: .update) + " \(field.path): \(before) -> \(after)" + note
                case (nil, nil): return ""
                }
            }
        }
    }

    /// The provider changes, before the actions: what reaches the providers changes.
    private func providerLines(_ plan: Plan) -> [String] {
        guard !plan.providerChanges.isEmpty else { return [] }
        var lines = ["Provider configuration changes (no provider call; recorded by the apply):", ""]
        for change in plan.providerChanges {
            lines.append("  " + paint("~", for: .update) + " " + bold(change.id.description) + " will be reconfigured")
            lines += fieldLines(change).map { "      " + $0 }
            lines.append("")
        }
        return lines
    }

    private func heldNotes(_ plan: Plan) -> String {
        guard !plan.held.isEmpty else { return "" }
        return "Held (live state unknown; planned again next time):\n"
            + plan.held.map { "  ? \($0.id): \($0.reason)\n" }.joined() + "\n"
    }

    private func orphanNotes(_ plan: Plan) -> String {
        guard !plan.orphans.isEmpty else { return "" }
        return "Not pruned (gone from the spec, pruning is off): " + plan.orphans.map(\.description).joined(separator: ", ") + "\n\n"
    }

    private func paint(_ text: String, for action: ChangeAction) -> String {
        guard colour else { return text }
        let code =
            switch action {
            case .create: "32"
            case .update: "33"
            case .replace: "35"
            case .delete: "31"
            case .noop: "0"
            }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    private func bold(_ text: String) -> String {
        colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
