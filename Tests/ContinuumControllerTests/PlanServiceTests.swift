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
    static func applied(_ directory: TemporaryDirectory) async throws -> (ControllerHarness, GitFixture, applied: String, feature: String) {
        let repository = try GitFixture(in: directory.url.appendingPathComponent("repos"), name: "fleet")
        let applied = try repository.commit(Fleet.files(vms: ["web-1"]))
        try repository.git("checkout", "--quiet", "-b", "feature")
        let feature = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]), message: "add web-2")
        try repository.git("checkout", "--quiet", "main")
        let harness = try await ControllerHarness(directory: directory, repository: repository, readToken: read, writeToken: write)
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
}
