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

    @Test func aShardedReplicaShowsEveryShardAndItsHolder() {
        var status = ControllerStatus(phase: .ready, message: "ok", repository: "git://h/specs", reference: "branch main", resources: [:], leader: true)
        status.replicas = ["a", "b"]
        status.shards = [
            ShardHolding(shard: "site-0", holder: "a", generation: 3, expiresAt: nil, here: true),
            ShardHolding(shard: "site-1", holder: "continuum controller (pid 7 on b, 9c2d)", generation: 1, expiresAt: nil, here: false),
            ShardHolding(shard: "site-2", holder: nil, generation: 2, expiresAt: nil, here: false),
        ]
        let lines = StatusCommand.lines(status)
        #expect(lines.contains("Replicas: 2 live"))
        #expect(lines.contains("Shard site-0: held here, generation 3"))
        #expect(lines.contains("Shard site-1: held by continuum controller (pid 7 on b, 9c2d), generation 1"))
        #expect(lines.contains("Shard site-2: free (waiting for a replica), generation 2"))
    }
}
