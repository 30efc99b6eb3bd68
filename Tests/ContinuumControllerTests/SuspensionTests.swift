import ContinuumController
import ContinuumEngine
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// `continuum suspend|resume`: a suspended controller plans and applies nothing; a
/// suspended resource is held with what depends on it; both survive a restart.
@Suite("Suspension", .serialized)
struct SuspensionTests {
    static let write = "write-token-0123456789"

    static func post(_ harness: ControllerHarness, _ path: String, _ body: String = "") async throws -> (status: Int, body: String) {
        let answer = try await harness.request("POST", path, body: Array(body.utf8), token: write)
        return (answer.status, answer.body)
    }

    @Test func aSuspendedControllerPlansAndAppliesNothingUntilResumedEvenAfterARestart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let first = try repository.commit(Fleet.files(vms: ["web-1"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository, writeToken: Self.write) { $0.interval = .seconds(3600) }
        try await harness.waitForStatus { $0.lastAppliedCommit == first }
        #expect(try await Self.post(harness, "/api/v1/suspend").status == 200)
        let second = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]), message: "add web-2")
        _ = try await Self.post(harness, "/api/v1/reconcile")
        let suspended = try await harness.waitForStatus { $0.phase == .suspended && $0.lastAttemptedCommit == second }
        #expect(suspended.message.contains("commit \(second.prefix(12)) is planned and not applied: Plan: 1 to add"), "\(suspended.message)")
        #expect(suspended.lastAppliedCommit == first)
        await harness.stop()

        // A new controller on the same state is still suspended.
        let restarted = try await ControllerHarness(directory: directory, repository: repository, writeToken: Self.write) { $0.interval = .seconds(3600) }
        let still = try await restarted.waitForStatus { $0.phase == .suspended }
        #expect(still.lastAppliedCommit == nil || still.lastAppliedCommit == first)
        #expect(try await restarted.controller.store.snapshot().resources.count == 2, "web-2 was not created")
        #expect(try await Self.post(restarted, "/api/v1/resume").status == 200)
        let resumed = try await restarted.waitForStatus { $0.lastAppliedCommit == second }
        await restarted.stop()
        #expect(resumed.phase == .ready)
        #expect(try await restarted.controller.store.snapshot().resources.count == 3)
    }

    @Test func aSuspendedResourceIsHeldWithItsDependentsAndTheRestIsApplied() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let first = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository, writeToken: Self.write) { $0.interval = .seconds(3600) }
        try await harness.waitForStatus { $0.lastAppliedCommit == first }
        #expect(try await Self.post(harness, "/api/v1/suspend", #"{"resource": "VirtualMachine/web-1"}"#).status == 200)
        #expect(try await Self.post(harness, "/api/v1/suspend", #"{"resource": "not a resource"}"#).status == 400)
        let second = try repository.commit(Fleet.files(vms: ["web-1", "web-2"], cpu: "4"), message: "more CPUs")
        _ = try await Self.post(harness, "/api/v1/reconcile")
        let applied = try await harness.waitForStatus { $0.lastAppliedCommit == second }
        #expect(applied.phase == .ready, "a suspended resource is not a failure: \(applied.message)")
        #expect(applied.lastReconcile?.plan?.change == 1, "only web-2 changed")
        let state = try await harness.controller.store.snapshot()
        #expect(state[ResourceID(.virtualMachine, "web-1")]?.spec["cpu"] == .integer(2), "web-1 was held")
        #expect(state[ResourceID(.virtualMachine, "web-2")]?.spec["cpu"] == .integer(4))

        // A plan for review shows the suspended resource held, as the reconcile will.
        let third = try repository.commit(Fleet.files(vms: ["web-1", "web-2"], cpu: "8"), message: "even more CPUs")
        let review = try await harness.request("POST", "/api/v1/plans", body: Array("{\"commit\": \"\(third)\", \"format\": \"json\"}".utf8), token: Self.write)
        #expect(review.status == 200)
        let served = try #require(try JSONSerialization.jsonObject(with: Data(review.body.utf8)) as? [String: Any])
        let plan = try #require(served["plan"] as? [String: Any])
        let held = (plan["held"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(held == ["VirtualMachine/web-1"], "\(plan["held"] ?? "none")")

        #expect(try await Self.post(harness, "/api/v1/resume", #"{"resource": "VirtualMachine/web-1"}"#).status == 200)
        let deadline = ContinuousClock.now + .seconds(120)
        while try await harness.controller.store.snapshot()[ResourceID(.virtualMachine, "web-1")]?.spec["cpu"] != .integer(8), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await harness.stop()
        #expect(try await harness.controller.store.snapshot()[ResourceID(.virtualMachine, "web-1")]?.spec["cpu"] == .integer(8), "resumed, web-1 was changed")
    }

    /// `continuum rollback --to`: the controller is pinned to an older commit (newer ones
    /// wait) until `continuum resume --tracking`.
    @Test func aPinnedOlderCommitStaysAppliedUntilTrackingResumes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let old = try repository.commit(Fleet.files(vms: ["web-1"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository, writeToken: Self.write) { $0.interval = .seconds(3600) }
        try await harness.waitForStatus { $0.lastAppliedCommit == old }
        let bad = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]), message: "a change to roll back")
        _ = try await Self.post(harness, "/api/v1/reconcile")
        try await harness.waitForStatus { $0.lastAppliedCommit == bad }

        #expect(try await Self.post(harness, "/api/v1/pin", "{\"commit\": \"\(old.prefix(10))\"}").status == 200)
        let pinned = try await harness.waitForStatus { $0.lastAppliedCommit == old }
        #expect(pinned.pinnedCommit == old, "the pin names the whole commit")
        #expect(try await harness.controller.store.snapshot().resources.count == 2, "web-2 was deleted: the old commit is applied")
        let newer = try repository.commit(Fleet.files(vms: ["web-1", "web-3"]), message: "newer")
        _ = try await Self.post(harness, "/api/v1/reconcile")
        let still = try await harness.waitForStatus { $0.triggers?.handled == $0.triggers?.received }
        #expect(still.lastAppliedCommit == old, "pinned: the newer commit waits")

        #expect(try await Self.post(harness, "/api/v1/resume", #"{"tracking": true}"#).status == 200)
        let tracking = try await harness.waitForStatus { $0.lastAppliedCommit == newer }
        await harness.stop()
        #expect(tracking.pinnedCommit == nil)
    }
}
