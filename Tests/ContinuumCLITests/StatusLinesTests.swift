@testable import ContinuumCLI
import ContinuumEngine
import Foundation
import Testing

/// `continuum status` as text: what an operator needs to see, a pin and the plan's digest
/// among it.
@Suite("Status lines")
struct StatusLinesTests {
    @Test func aPinAndThePlansDigestAreShown() throws {
        var status = ControllerStatus(phase: .held, message: "commit abc is held for review", repository: "git://h/specs", reference: "branch main",
            resources: ["Ready": 2], leader: true)
        status.pinnedCommit = "0123456789ab"
        var reconcile = ControllerStatus.Reconcile(time: Date(timeIntervalSince1970: 0), durationSeconds: 0.5, commit: "abc", result: .held,
            plan: ControllerStatus.PlanCounts(add: 1, change: 0, replace: 0, destroy: 0, summary: "Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy."),
            drifted: [])
        reconcile.digest = try JSONDecoder().decode(PlanDigest.self, from: Data(#""sha256:00ff""#.utf8))
        status.lastReconcile = reconcile
        let lines = StatusCommand.lines(status)
        #expect(lines.first == "Phase: Held")
        #expect(lines.contains("Pinned to: commit 0123456789ab (`continuum resume --tracking` lifts the pin)"))
        #expect(lines.contains("Last reconcile: 1970-01-01T00:00:00Z held in 0.500s"))
        #expect(lines.contains("Plan digest: sha256:00ff"))
        #expect(lines.last == "Message: commit abc is held for review")
    }
}
