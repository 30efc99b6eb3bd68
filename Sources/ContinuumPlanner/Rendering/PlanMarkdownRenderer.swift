import ContinuumSpec
import Foundation

/// Renders a plan as Markdown for a pull-request comment: the summary, a table of the
/// changes, and a collapsible diff per resource.
public struct PlanMarkdownRenderer: Sendable {
    /// Creates a renderer.
    public init() {}

    /// The Markdown.
    public func render(_ plan: Plan) -> String {
        var lines = ["### Continuum plan", "", "**\(plan.summary.line)**", ""]
        if !plan.held.isEmpty {
            lines += ["> [!WARNING]", "> Held this time (live state unknown): " + plan.held.map { "`\($0.id)` (\(escape($0.reason)))" }.joined(separator: ", "), ""]
        }
        if !plan.providerChanges.isEmpty {
            lines += ["**Provider configuration changes**", ""]
            let text = PlanTextRenderer(colour: false)
            for change in plan.providerChanges {
                lines += ["<details open><summary><code>~ \(change.id)</code></summary>", "", "```diff"]
                lines += text.fieldLines(change).map(fence)
                lines += ["```", "", "</details>", ""]
            }
        }
        guard !plan.summary.isEmpty else { return lines.joined(separator: "\n") }
        lines += ["| Action | Resource | Provider | Why |", "| --- | --- | --- | --- |"]
        for change in plan.changes {
            let action = change.action.rawValue
            let provider = change.previousProvider.map { "\($0) → \(change.provider)" } ?? change.provider
            lines.append("| `\(change.symbol)` \(action) | `\(change.id)` | \(escape(provider)) | \(escape(change.reasons.joined(separator: "; "))) |")
        }
        lines.append("")
        let text = PlanTextRenderer(colour: false)
        for change in plan.changes where !change.fieldChanges.isEmpty {
            lines += ["<details><summary><code>\(change.symbol) \(change.id)</code></summary>", "", "```diff"]
            lines += text.fieldLines(change).map(fence)
            lines += ["```", "", "</details>", ""]
        }
        return lines.joined(separator: "\n")
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// Keeps a line from closing the code fence.
    private func fence(_ line: String) -> String {
        line.replacingOccurrences(of: "```", with: "`\u{200B}``")
    }
}
