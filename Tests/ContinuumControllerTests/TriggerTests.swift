import ContinuumController
import ContinuumEngine
import ContinuumTesting
import Foundation
import Testing

/// Triggers against the real server: coalesced, only fetching, and never past a backoff.
@Suite("Triggers", .serialized)
struct TriggerTests {
    /// The trigger number in a `POST /api/v1/reconcile` answer.
    static func receipt(_ body: String) throws -> TriggerReceipt {
        try JSONDecoder().decode(TriggerReceipt.self, from: Data(body.utf8))
    }

    @Test func twoHundredTriggersCostOneReconcileForTheNewCommitAndNoMore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let first = try repository.commit(Fleet.files(vms: ["web-1"]))
        // An hour between polls and between drift checks: whatever runs, the triggers caused.
        let harness = try await ControllerHarness(directory: directory, repository: repository) {
            $0.interval = .seconds(3600)
            $0.driftInterval = .seconds(3600)
        }
        try await harness.waitForStatus { $0.lastAppliedCommit == first }
        let reconcilesBefore = try await harness.metric("continuum_reconcile_total")
        let fetchesBefore = try await harness.metric("continuum_git_fetch_total")
        let second = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]))

        let answers = try await withThrowingTaskGroup(of: (status: Int, body: String).self) { group in
            for _ in 0..<200 {
                group.addTask {
                    let answer = try await harness.request("POST", "/api/v1/reconcile")
                    return (answer.status, answer.body)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let numbers = try answers.map { try Self.receipt($0.body).trigger }
        let last = try #require(numbers.max())
        let settled = try await harness.waitForStatus { ($0.triggers?.handled ?? 0) >= last }
        let reconciles = try await harness.metric("continuum_reconcile_total") - reconcilesBefore
        let fetches = try await harness.metric("continuum_git_fetch_total") - fetchesBefore
        await harness.stop()
        #expect(answers.allSatisfy { $0.status == 202 })
        #expect(Set(numbers).count == 200 && last == 200, "each trigger is numbered")
        #expect(settled.lastAppliedCommit == second)
        #expect(settled.triggers == ControllerStatus.Triggers(received: 200, handled: 200))
        #expect(reconciles == 1, "one reconcile, for the new commit; the other fetches found nothing new or due")
        #expect(fetches >= 1 && fetches <= 200, "coalesced triggers fetch at most once each; \(fetches) fetches")
    }

    @Test func aTriggerDuringABackoffWaitsForIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(Fleet.files(vms: []))
        // A source that cannot be fetched: the first fetch fails and the retry is an hour away.
        let missing = "file://" + directory.url.appendingPathComponent("no-such-repository").path
        let harness = try await ControllerHarness(directory: directory, repository: repository, url: missing) {
            $0.interval = .seconds(3600)
            $0.maximumBackoff = .seconds(3600)
        }
        let failed = try await harness.waitForStatus { $0.phase == .failed && $0.lastReconcile != nil }
        let answer = try await harness.request("POST", "/api/v1/reconcile")
        let receipt = try Self.receipt(answer.body)
        let status = await harness.controller.currentStatus()
        await harness.stop()
        #expect(failed.lastReconcile?.result == .failed)
        #expect(answer.status == 202)
        #expect(receipt.trigger == 1)
        #expect(receipt.message.contains("backing off after 1 failure: the fetch waits for the retry in"), "\(receipt.message)")
        #expect(status.triggers?.received == 1)
        #expect(status.triggers?.handled == 0, "recorded, not answered: the backoff holds it")
    }
}
