import ContinuumPlanner
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// The three plan formats for one plan with every action, compared byte for byte with
/// reviewed files in `Fixtures/golden`. After a deliberate output change, regenerate them
/// with `CONTINUUM_UPDATE_GOLDEN=1 swift test --filter GoldenPlanTests` and review the diff.
@Suite("Golden plan outputs")
struct GoldenPlanTests {
    static let providers = """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata: {name: de-fra-cloud, labels: {country: DE}}
        spec:
          type: sim
          site: de-fra
          credentials:
            password: {fromEnv: FRA_SECRET_PASSWORD}
        ---
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata: {name: es-bio-cloud, labels: {country: ES}}
        spec: {type: sim, site: es-bio}
        """

    static let before: [String: String] = [
        "providers.yaml": providers,
        "fra.yaml": SpecSamples.file(
            SpecSamples.network(),
            SpecSamples.virtualMachine("web-1"),
            SpecSamples.virtualMachine("web-2", extra: ["userData: \"peer=${VirtualMachine/web-1.outputs.ipAddress}\""]),
            SpecSamples.virtualMachine("db-1", networks: []),
            SpecSamples.virtualMachine("old-1", networks: []),
            SpecSamples.bareMetalNode(),
            SpecSamples.kubernetesCluster()),
    ]

    static let after: [String: String] = [
        "providers.yaml": providers,
        "fra.yaml": SpecSamples.file(
            SpecSamples.network(),
            SpecSamples.virtualMachine("web-1", cpu: "4", memory: "8Gi"),
            SpecSamples.virtualMachine("web-2", image: "debian-13", extra: ["userData: \"peer=${VirtualMachine/web-1.outputs.ipAddress}\""]),
            SpecSamples.virtualMachine("db-1", provider: "es-bio-cloud", networks: []),
            SpecSamples.virtualMachine("cache-1", cpu: "1", memory: "1Gi", extra: ["userData: \"upstream=${VirtualMachine/web-2.outputs.ipAddress}\"", "power: off"]),
            SpecSamples.bareMetalNode(),
            SpecSamples.kubernetesCluster(generalReplicas: 3)),
    ]

    static func plan() throws -> Plan {
        try PlanHarness.plan(after, state: PlanHarness.applied(before))
    }

    private func compare(_ actual: String, golden name: String, filePath: String = #filePath) throws {
        let url = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden/\(name)")
        if ProcessInfo.processInfo.environment["CONTINUUM_UPDATE_GOLDEN"] == "1" {
            try Data(actual.utf8).write(to: url)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "\(name) differs from the golden file; if the change is deliberate, regenerate and review it")
        #expect(!actual.contains("FRA_SECRET_PASSWORD"))
    }

    @Test func text() throws {
        try compare(PlanTextRenderer(colour: false).render(Self.plan()), golden: "plan.txt")
    }

    @Test func colouredTextDiffersOnlyByEscapes() throws {
        let plain = PlanTextRenderer(colour: false).render(try Self.plan())
        let coloured = PlanTextRenderer(colour: true).render(try Self.plan())
        #expect(coloured.contains("\u{1B}["))
        #expect(coloured.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression) == plain)
    }

    @Test func markdown() throws {
        try compare(PlanMarkdownRenderer().render(Self.plan()), golden: "plan.md")
    }

    @Test func markdownWarnsWhenMaxDestroyWouldRefuseThePlan() throws {
        let markdown = PlanMarkdownRenderer(maximumDestroys: 1).render(try Self.plan())
        #expect(markdown.contains("> The controller refuses this plan: it destroys or replaces 3 resources, over its limit of 1 (`--max-destroy`)."))
        #expect(!PlanMarkdownRenderer(maximumDestroys: 3).render(try Self.plan()).contains("refuses this plan"))
    }

    @Test(arguments: [500, 900, 1_400])
    func markdownIsCutForACommentWithANote(limit: Int) throws {
        let full = PlanMarkdownRenderer().render(try Self.plan())
        let cut = PlanMarkdownRenderer(maximumLength: limit).render(try Self.plan())
        #expect(full.count > limit)
        #expect(cut.count <= limit, "\(cut.count) characters")
        #expect(cut.hasPrefix("### Continuum plan\n\n**Plan: 1 to add"), "the summary stays first")
        #expect(cut.contains("_The plan is cut here: it is too long for a comment. `continuum plan` shows all of it._"))
        #expect(cut.components(separatedBy: "<details").count == cut.components(separatedBy: "</details>").count, "no section is cut in half")
    }

    @Test func aPlanThatDestroysThousandsStillFitsAComment() throws {
        let names = (1...3_000).map { "vm-\($0)-with-a-rather-long-name-to-fill-the-comment" }
        let before = ["providers.yaml": Self.providers, "fra.yaml": SpecSamples.file(([SpecSamples.network()] + names.map { SpecSamples.virtualMachine($0) }).joined(separator: "\n---\n"))]
        let plan = try PlanHarness.plan(["providers.yaml": Self.providers, "fra.yaml": SpecSamples.network()], state: PlanHarness.applied(before))
        #expect(plan.summary.destroy == 3_000)
        let markdown = PlanMarkdownRenderer().render(plan)
        #expect(markdown.count <= 65_000, "\(markdown.count) characters")
        #expect(markdown.contains("and 2950 more (see below)"))
        #expect(markdown.contains("_The plan is cut here"))
    }

    @Test func json() throws {
        try compare(String(decoding: PlanJSONCoder.encode(Self.plan()), as: UTF8.self), golden: "plan.json")
    }

    @Test func jsonRoundTrips() throws {
        let plan = try Self.plan()
        #expect(try PlanJSONCoder.decode(PlanJSONCoder.encode(plan)) == plan)
    }

    @Test func noChangesText() throws {
        let plan = try PlanHarness.plan(Self.after, state: PlanHarness.applied(Self.after))
        #expect(PlanTextRenderer().render(plan) == "No changes. Infrastructure matches the spec.\n")
    }

    @Test func theSameInputsGiveTheSameBytes() throws {
        let renamed = Dictionary(uniqueKeysWithValues: Self.after.map { ("z/" + $0.key, $0.value) })
        let first = try PlanJSONCoder.encode(Self.plan())
        for _ in 0..<3 { #expect(try PlanJSONCoder.encode(Self.plan()) == first) }
        let moved = try PlanHarness.plan(renamed, state: PlanHarness.applied(Self.before))
        #expect(try PlanJSONCoder.encode(moved) == first)
    }
}
