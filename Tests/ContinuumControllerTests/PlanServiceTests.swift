import ContinuumController
import ContinuumEngine
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// `POST /api/v1/plans`: a ref planned against the live state for a review, read-only,
/// with a digest that is the same for the same tree and state.
@Suite("Plans for refs", .serialized)
struct PlanServiceTests {
    static let read = "read-token-0123456789"
    static let write = "write-token-0123456789"

    /// A controller that has applied `main` (web-1), and a branch `feature` adding web-2.
    static func applied(
        _ directory: TemporaryDirectory, configure: (inout ControllerConfiguration) -> Void = { _ in }, reviewed: Bool = false
    ) async throws -> (ControllerHarness, GitFixture, applied: String, feature: String) {
        let repository = try GitFixture(in: directory.url.appendingPathComponent("repos"), name: "fleet")
        let applied = try repository.commit(Fleet.files(vms: ["web-1"]))
        try repository.git("checkout", "--quiet", "-b", "feature")
        let feature = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]), message: "add web-2")
        try repository.git("checkout", "--quiet", "main")
        let harness = try await ControllerHarness(directory: directory, repository: repository, readToken: read, writeToken: write, configure: configure)
        if reviewed { _ = try await post(harness, "{\"commit\": \"\(applied)\"}") }
        try await harness.waitForStatus { $0.lastAppliedCommit == applied }
        return (harness, repository, applied, feature)
    }

    static func post(_ harness: ControllerHarness, _ body: String, token: String? = write) async throws -> (status: Int, json: [String: Any]) {
        let answer = try await harness.request("POST", "/api/v1/plans", body: Array(body.utf8), headers: ["Content-Type": "application/json"], token: token)
        return (answer.status, (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]) ?? [:])
    }

    @Test func aBranchIsPlannedAgainstTheLiveStateAndNothingChanges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (harness, _, applied, feature) = try await Self.applied(directory)
        let before = try await harness.controller.store.snapshot()
        let world = SimWorld(path: directory.url.appendingPathComponent("sim.db").path)
        let objects = try await world.objects().count

        let first = try await Self.post(harness, #"{"ref": "feature", "format": "markdown"}"#)
        #expect(first.status == 200, "\(first.json)")
        #expect(first.json["commit"] as? String == feature)
        #expect(first.json["base"] as? String == applied)
        #expect((first.json["summary"] as? String)?.hasPrefix("Plan: 1 to add, 0 to change") == true, "\(first.json)")
        #expect((first.json["markdown"] as? String)?.contains("VirtualMachine/web-2") == true)
        #expect(first.json["text"] == nil && first.json["plan"] == nil, "only the format asked for")
        let digest = try #require(first.json["digest"] as? String)
        #expect(digest.hasPrefix("sha256:") && digest.count == 71)

        let again = try await Self.post(harness, "{\"commit\": \"\(feature)\", \"format\": \"json\"}")
        #expect(again.status == 200)
        #expect(again.json["digest"] as? String == digest, "the same tree against the same state gives the same digest")
        #expect((again.json["plan"] as? [String: Any])?["changes"] != nil)
        let unchanged = try await Self.post(harness, #"{"ref": "main"}"#)
        #expect((unchanged.json["summary"] as? String)?.hasPrefix("No changes") == true, "\(unchanged.json)")
        #expect(unchanged.json["digest"] as? String != digest)

        let served = try await harness.json("/api/v1/plans/\(feature)", token: Self.read)
        #expect(served["digests"] as? [String] == [digest])
        let after = try await harness.controller.store.snapshot()
        await harness.stop()
        #expect(after.serial == before.serial && after.resources == before.resources, "planning wrote nothing to the state")
        #expect(try await world.objects().count == objects, "nor to the provider")
    }

    @Test func anInvalidBranchIsEveryErrorWithItsLocation() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (harness, repository, _, _) = try await Self.applied(directory)
        try repository.git("checkout", "--quiet", "-b", "broken")
        var files = Fleet.files(vms: ["web-1", "web-2"])
        files["specs/web-2.yaml"] = SpecSamples.virtualMachine("web-2", cpu: "lots")
        try repository.commit(files, message: "break web-2")
        let answer = try await Self.post(harness, #"{"ref": "broken"}"#)
        await harness.stop()
        #expect(answer.status == 422)
        let errors = answer.json["errors"] as? [String] ?? []
        #expect(errors.contains { $0.hasPrefix("specs/web-2.yaml:") && $0.contains("error:") }, "\(answer.json)")
    }

    @Test(arguments: [
        (#"{"ref": "feature", "commit": "abcdef1"}"#, write, 400, "either"),
        (#"{"ref": "../../etc"}"#, write, 400, "letters, digits"),
        (#"{"ref": "main@{1}"}"#, write, 400, "letters, digits"),
        (#"{"commit": "HEAD~1"}"#, write, 400, "hexadecimal"),
        (#"not json"#, write, 400, "must be JSON"),
        (#"{"ref": "no-such-branch"}"#, write, 404, "no-such-branch"),
        (#"{"ref": "feature"}"#, read, 403, ""),
        (#"{"ref": "feature"}"#, nil, 401, ""),
    ] as [(String, String?, Int, String)])
    func badRequestsAreRefusedBeforeAnythingIsFetched(body: String, token: String?, status: Int, message: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (harness, _, _, _) = try await Self.applied(directory)
        let answer = try await Self.post(harness, body, token: token)
        await harness.stop()
        #expect(answer.status == status, "\(answer.json)")
        #expect(message.isEmpty || (answer.json["error"] as? String)?.contains(message) == true, "\(answer.json)")
    }

    /// `--require-reviewed-plan`: a new commit is held until the plan it would apply was
    /// served for review; serving it releases the commit at once.
    @Test func aCommitWaitsForItsReviewedPlan() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url.appendingPathComponent("repos"), name: "fleet")
        let first = try repository.commit(Fleet.files(vms: ["web-1"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository, readToken: Self.read, writeToken: Self.write) {
            $0.requireReviewedPlan = true
            $0.interval = .seconds(3600)
        }
        let held = try await harness.waitForStatus { $0.phase == .held }
        #expect(held.message.contains("commit \(first.prefix(12)) is held for review") && held.message.contains("no plan was served for review"), "\(held.message)")
        #expect(held.message.contains("Network/fra-edge") && held.message.contains("VirtualMachine/web-1"))
        #expect(held.lastAppliedCommit == nil)
        #expect(try await harness.controller.store.snapshot().resources.isEmpty, "nothing was applied")

        let served = try await Self.post(harness, "{\"commit\": \"\(first)\"}")
        #expect(served.status == 200)
        let applied = try await harness.waitForStatus { $0.lastAppliedCommit == first }
        let record = try await harness.json("/api/v1/plans/\(first)", token: Self.read)
        await harness.stop()
        #expect(applied.phase == .ready, "\(applied.message)")
        #expect(applied.lastReconcile?.digest?.value == served.json["digest"] as? String, "the applied plan is the reviewed plan")
        #expect(record["executed"] as? String == served.json["digest"] as? String, "the executed plan's digest is recorded with the served ones: \(record)")
        #expect(try await harness.controller.store.snapshot().resources.count == 2)
    }

    /// The world changed after the review: the plan the controller would apply is not the
    /// one reviewed, so the commit is held with both digests, until an operator approves it.
    @Test func aPlanThatChangedSinceItsReviewIsHeldUntilApproved() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (harness, repository, applied, _) = try await Self.applied(directory, configure: { $0.requireReviewedPlan = true; $0.interval = .seconds(3600) }, reviewed: true)
        try repository.git("checkout", "--quiet", "main")
        let next = try repository.commit(Fleet.files(vms: ["web-1", "web-3"]), message: "add web-3")
        let review = try await Self.post(harness, "{\"commit\": \"\(next)\"}")
        let reviewed = try #require(review.json["digest"] as? String)
        // Out of band, after the review: web-1's CPUs change, so the plan now corrects that too.
        let world = SimWorld(path: directory.url.appendingPathComponent("sim.db").path)
        var object = try #require(try await world.objects().first { $0.resource == ResourceID(.virtualMachine, "web-1") })
        object.spec = try #require(ReconcileLoopTests.setting(object.spec, "cpu", to: .integer(8)))
        try await world.replace(object)
        _ = try await harness.request("POST", "/api/v1/reconcile", token: Self.write)
        let held = try await harness.waitForStatus { $0.phase == .held }
        #expect(held.message.contains("commit \(next.prefix(12)) is held for review"))
        #expect(held.message.contains(reviewed), "the reviewed digest: \(held.message)")
        #expect(held.message.contains("VirtualMachine/web-1") && held.message.contains("VirtualMachine/web-3"))
        #expect(held.lastAppliedCommit == applied)

        let approval = try await harness.request("POST", "/api/v1/approve", body: Array("{\"commit\": \"\(next.prefix(12))\"}".utf8), token: Self.write)
        #expect(approval.status == 200, "\(approval.body)")
        let done = try await harness.waitForStatus { $0.lastAppliedCommit == next }
        await harness.stop()
        #expect(done.phase == .ready)
        #expect(try await harness.controller.store.snapshot().resources.count == 3)
    }

    /// The digests served are kept in the state: a controller restarted (or another
    /// replica) applies a commit whose plan was reviewed before it started.
    /// The CI token can plan a pull request's head, which fetches it; it cannot get it applied:
    /// only a commit the tracked branch has reached can be pinned.
    @Test func aPullRequestsCommitCannotBePinnedNorAnythingButACommitApproved() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (harness, _, applied, feature) = try await Self.applied(directory)
        #expect(try await Self.post(harness, "{\"commit\": \"\(feature)\"}").status == 200, "the head is planned, and so fetched")
        let pin = try await harness.request("POST", "/api/v1/pin", body: Array("{\"commit\": \"\(feature)\"}".utf8), token: Self.write)
        #expect(pin.status == 422, "\(pin.body)")
        #expect(pin.body.contains("is not on branch main"), "\(pin.body)")
        let approve = try await harness.request("POST", "/api/v1/approve", body: Array(#"{"commit": "HEAD~1"}"#.utf8), token: Self.write)
        #expect([400, 422].contains(approve.status), "\(approve.body)")
        let pinApplied = try await harness.request("POST", "/api/v1/pin", body: Array("{\"commit\": \"\(applied.prefix(9))\"}".utf8), token: Self.write)
        #expect(pinApplied.status == 200, "a commit of the branch can be pinned: \(pinApplied.body)")
        let status = await harness.controller.currentStatus()
        await harness.stop()
        #expect(status.pinnedCommit == applied)
        #expect(try await harness.controller.store.controls()["applied"] == applied, "the applied commit is kept in the state")
    }

    @Test func aReviewServedBeforeARestartStillCounts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (first, repository, _, _) = try await Self.applied(directory, configure: { $0.interval = .seconds(3600) })
        try repository.git("checkout", "--quiet", "main")
        let next = try repository.commit(Fleet.files(vms: ["web-1", "web-3"]), message: "add web-3")
        #expect(try await Self.post(first, "{\"commit\": \"\(next)\"}").status == 200)
        await first.stop()

        let second = try await ControllerHarness(directory: directory, repository: repository, readToken: Self.read, writeToken: Self.write) {
            $0.requireReviewedPlan = true
            $0.interval = .seconds(3600)
        }
        let applied = try await second.waitForStatus { $0.lastAppliedCommit == next || $0.phase == .held }
        await second.stop()
        #expect(applied.lastAppliedCommit == next, "the review before the restart counts: \(applied.message)")
    }
}
