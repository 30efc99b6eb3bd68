import ContinuumSpec
import Foundation

/// Renders a plan as Markdown for a pull-request comment: the summary line first; what is
/// destroyed or replaced called out at the top; a warning when the controller's
/// `--max-destroy` would refuse the plan, or resources are held; provider configuration
/// changes; a table of the changes; and one collapsed diff per resource. Comments are cut,
/// with a note, before the forges' limit (GitHub's is 65,536 characters).
public struct PlanMarkdownRenderer: Sendable {
    /// The most the controller would destroy or replace (`--max-destroy`), to warn about.
    public var maximumDestroys: Int?
    /// The longest comment, in characters.
    public var maximumLength: Int

    /// Creates a renderer.
    public init(maximumDestroys: Int? = nil, maximumLength: Int = 65_000) {
        self.maximumDestroys = maximumDestroys
        self.maximumLength = maximumLength
    }

    /// The Markdown.
    public func render(_ plan: Plan) -> String {
        var head = ["### Continuum plan", "", "**\(plan.summary.line)**", ""]
        let destructive = plan.changes.filter { $0.action == .delete || $0.action == .replace }
        if !destructive.isEmpty {
            head += ["> [!CAUTION]", "> Destroys or replaces: " + listed(destructive.map { "`\($0.symbol) \($0.id)`" }), ""]
        }
        if let maximumDestroys, destructive.count > maximumDestroys {
            head += ["> [!WARNING]", "> The controller refuses this plan: it destroys or replaces \(destructive.count) resources, over its limit of \(maximumDestroys) (`--max-destroy`).", ""]
        }
        if !plan.held.isEmpty {
            head += ["> [!WARNING]", "> Held this time: " + listed(plan.held.map { "`\($0.id)` (\(escape(String($0.reason.prefix(200)))))" }), ""]
        }
        var sections: [[String]] = []
        let text = PlanTextRenderer(colour: false)
        if !plan.providerChanges.isEmpty {
            sections.append(["**Provider configuration changes**", ""])
            for change in plan.providerChanges { sections.append(details(change, text: text, open: true)) }
        }
        if !plan.summary.isEmpty {
            var table = ["| Action | Resource | Provider | Why |", "| --- | --- | --- | --- |"]
            for change in plan.changes {
                let provider = change.previousProvider.map { "\($0) → \(change.provider)" } ?? change.provider
                table.append("| `\(change.symbol)` \(change.action.rawValue) | `\(change.id)` | \(escape(provider)) | \(escape(change.reasons.joined(separator: "; "))) |")
            }
            sections.append(table + [""])
            for change in plan.changes where !change.fieldChanges.isEmpty { sections.append(details(change, text: text, open: false)) }
        }
        return cut(head, sections, total: plan.changes.count + plan.providerChanges.count)
    }

    /// One resource's field changes, collapsed unless `open`.
    private func details(_ change: ResourceChange, text: PlanTextRenderer, open: Bool) -> [String] {
        ["<details\(open ? " open" : "")><summary><code>\(change.symbol) \(change.id)</code></summary>", "", "```diff"]
            + text.fieldLines(change).map(fence) + ["```", "", "</details>", ""]
    }

    /// The head and as many whole sections as fit in `maximumLength`, then a note.
    private func cut(_ head: [String], _ sections: [[String]], total: Int) -> String {
        var output = head.joined(separator: "\n")
        let note = "\n_The plan is cut here: it is too long for a comment. `continuum plan` shows all of it._\n"
        for (index, section) in sections.enumerated() {
            let text = "\n" + section.joined(separator: "\n")
            guard output.count + text.count + note.count <= maximumLength else {
                return output + "\n" + note + "_(\(sections.count - index) of \(sections.count) parts left out.)_\n"
            }
            output += text
        }
        return output
    }

    /// At most `listedInHead` items, then how many more: the head is never cut, so it
    /// stays short however many resources a plan destroys or holds.
    private func listed(_ items: [String]) -> String {
        let shown = items.prefix(Self.listedInHead).joined(separator: ", ")
        return items.count > Self.listedInHead ? shown + " and \(items.count - Self.listedInHead) more (see below)" : shown
    }

    /// How many resources the head lists by name, per list.
    static let listedInHead = 50

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// Keeps a line from closing the code fence.
    private func fence(_ line: String) -> String {
        line.replacingOccurrences(of: "```", with: "`\u{200B}``")
    }
}
