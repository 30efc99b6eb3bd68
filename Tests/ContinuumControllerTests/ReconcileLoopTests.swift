import ContinuumApply
import ContinuumController
import ContinuumEngine
import ContinuumGit
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// The reconcile loop against real Git repositories (`git daemon` on loopback and file://).
@Suite("Reconcile loop", .serialized)
struct ReconcileLoopTests {
    @Test func aNewCommitIsAppliedWithinOneInterval() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url.appendingPathComponent("repos"), name: "fleet")
        let first = try repository.commit(Fleet.files(vms: ["web-1"]))
        let daemon = try GitDaemon(base: directory.url.appendingPathComponent("repos"))
        defer { daemon.stop() }
        let harness = try await ControllerHarness(directory: directory, repository: repository, url: daemon.url("fleet")) { $0.interval = .seconds(2) }
        let applied = try await harness.waitForStatus { $0.lastAppliedCommit == first }
        #expect(applied.lastAppliedCommit == first)
        #expect(applied.phase == .ready)
        #expect(applied.resources["Ready"] == 2)

        let second = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]), message: "add web-2")
        // Nothing triggers the controller: only its own polling can find the new commit.
        let next = try await harness.waitForStatus { $0.lastAppliedCommit == second }
        await harness.stop()
        #expect(next.lastAppliedCommit == second)
        #expect(next.triggers?.received ?? 0 == 0, "the commit was found by the interval's poll, not by a trigger")
        #expect(next.lastReconcile?.plan?.add == 1)
        let load = await harness.controller.lastSpecLoad
        #expect(load.readFiles == 1 && load.parsedFiles == 1, "the tree diff names the one added file; the rest is reused unread")
        let state = try await harness.controller.store.snapshot()
        #expect(state.resources.map(\.id.name).sorted() == ["fra-edge", "web-1", "web-2"])
    }

    @Test func anInvalidCommitKeepsTheLastGoodOneAndAFixIsApplied() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let good = try repository.commit(Fleet.files(vms: ["web-1"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository)
        try await harness.waitForStatus { $0.lastAppliedCommit == good }

        var broken = Fleet.files(vms: ["web-1", "web-2"])
        broken["specs/web-2.yaml"] = SpecSamples.virtualMachine("web-2", cpu: "lots")
        let bad = try repository.commit(broken, message: "break web-2")
        let failed = try await harness.waitForStatus { $0.lastAttemptedCommit == bad && $0.phase == .failed }
        #expect(failed.phase == .failed)
        #expect(failed.lastAppliedCommit == good)
        #expect(failed.message.contains("commit \(bad.prefix(12)) was not applied: its specs are invalid"))
        #expect(failed.message.contains("the last good commit \(good.prefix(12)) stays applied"))
        #expect(failed.message.contains("specs/web-2.yaml:"), "the error names the file from the repository's root: \(failed.message)")
        #expect(failed.lastReconcile?.result == .rejected)
        let api = try await harness.json("/api/v1/status")
        #expect(api["phase"] as? String == "Failed")
        #expect((api["message"] as? String)?.contains("web-2.yaml") == true)
        #expect(try await harness.controller.store.snapshot().resources.count == 2, "nothing of the bad commit was applied")

        let fix = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]), message: "fix web-2")
        let fixed = try await harness.waitForStatus { $0.lastAppliedCommit == fix }
        await harness.stop()
        #expect(await harness.controller.lastSpecLoad.readFiles == 1, "after a rejected commit too, only the file the fix changed is read")
        #expect(fixed.phase == .ready)
        #expect(try await harness.controller.store.snapshot().resources.count == 3)
    }

    @Test func valueEditsAreReValidatedAloneAndAppliedAsWrittenAcrossARejectedCommit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let first = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository)
        let started = try await harness.waitForStatus { $0.lastAppliedCommit == first }
        // A drift check after each apply plans against the state the apply left, so the next
        // commit is re-planned from that memo, through the positions its load edited.
        func settled(after status: ControllerStatus) async throws {
            await harness.controller.checkDriftNow()
            let checked = try await harness.waitForStatus { $0.lastReconcile.map { $0.time > (status.lastReconcile?.time ?? .distantPast) && $0.result == .noChanges } ?? false }
            #expect(checked.lastReconcile?.result == .noChanges)
        }
        func recordedCPU() async throws -> [String: FieldValue] {
            Dictionary(uniqueKeysWithValues: try await harness.controller.store.snapshot().resources.compactMap { record in
                record.spec["cpu"].map { (record.id.name, $0) }
            })
        }

        try await settled(after: started)
        // A value edit: its one resource is re-validated alone, and applied.
        let edit = try repository.commit(["specs/web-1.yaml": SpecSamples.virtualMachine("web-1", cpu: "4")], message: "web-1 gets 4 CPUs")
        let edited = try await harness.waitForStatus { $0.lastAppliedCommit == edit }
        #expect(edited.lastReconcile?.plan?.change == 1)
        #expect(await harness.controller.lastRevalidatedCount == 1)
        #expect(try await recordedCPU() == ["web-1": .integer(4), "web-2": .integer(2)])
        try await settled(after: edited)

        // A rejected commit is no base: the fix after it is validated in full, and applied.
        let bad = try repository.commit(["specs/web-2.yaml": SpecSamples.virtualMachine("web-2", cpu: "lots")], message: "break web-2")
        try await harness.waitForStatus { $0.lastAttemptedCommit == bad && $0.phase == .failed }
        let fix = try repository.commit(["specs/web-2.yaml": SpecSamples.virtualMachine("web-2", cpu: "3")], message: "fix web-2")
        let fixed = try await harness.waitForStatus { $0.lastAppliedCommit == fix }
        #expect(await harness.controller.lastRevalidatedCount == nil)
        #expect(try await recordedCPU() == ["web-1": .integer(4), "web-2": .integer(3)])
        try await settled(after: fixed)

        // And the next value edit is incremental again.
        let again = try repository.commit(["specs/web-2.yaml": SpecSamples.virtualMachine("web-2", cpu: "5")], message: "web-2 gets 5 CPUs")
        let last = try await harness.waitForStatus { $0.lastAppliedCommit == again }
        await harness.stop()
        #expect(last.lastReconcile?.plan?.change == 1)
        #expect(await harness.controller.lastRevalidatedCount == 1)
        #expect(try await recordedCPU() == ["web-1": .integer(4), "web-2": .integer(5)])
    }

    @Test func aPlanOverMaxDestroyIsRefusedAndChangesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let good = try repository.commit(Fleet.files(vms: ["web-1", "web-2", "web-3"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository) { $0.maximumDestroys = 1 }
        try await harness.waitForStatus { $0.lastAppliedCommit == good }
        let shrink = try repository.commit([:], removing: ["specs/web-2.yaml", "specs/web-3.yaml"], message: "remove two")
        let refused = try await harness.waitForStatus { $0.lastAttemptedCommit == shrink && $0.phase == .failed }
        await harness.stop()
        #expect(refused.message.contains("destroys 2 resources"))
        #expect(refused.message.contains("over --max-destroy 1"))
        #expect(refused.lastAppliedCommit == good)
        #expect(try await harness.controller.store.snapshot().resources.count == 4)
    }

    @Test func driftIsCorrectedWithinOneDriftInterval() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(Fleet.files(vms: ["web-1"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository) {
            $0.interval = .seconds(3600)
            $0.driftInterval = .seconds(2)
        }
        try await harness.waitForStatus { $0.lastAppliedCommit == commit }
        let world = SimWorld(path: directory.url.appendingPathComponent("sim.db").path)
        var object = try #require(try await world.objects().first { $0.resource == ResourceID(.virtualMachine, "web-1") })
        object.spec = try #require(Self.setting(object.spec, "cpu", to: .integer(8)))
        try await world.replace(object)
        // The reconcile interval is an hour away: only the drift interval can notice the change.
        let corrected = try await harness.waitForStatus { $0.lastReconcile?.drifted == ["VirtualMachine/web-1"] }
        let metrics = try await harness.request("GET", "/metrics").body
        let resource = try await harness.json("/api/v1/resources/VirtualMachine/web-1")
        await harness.stop()
        #expect(corrected.lastReconcile?.drifted == ["VirtualMachine/web-1"])
        let live = try #require(try await world.objects().first { $0.resource == ResourceID(.virtualMachine, "web-1") })
        #expect(live.spec["cpu"] == .integer(2), "the live object was put back to the spec")
        #expect(metrics.contains("continuum_drift_detected_total 1"))
        let actions = (resource["events"] as? [[String: Any]])?.compactMap { $0["action"] as? String } ?? []
        #expect(actions.prefix(2) == ["updated", "drift detected"], "the newest events first: \(actions)")
    }

    @Test func withoutSelfHealDriftIsOnlyReported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(Fleet.files(vms: ["web-1"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository) {
            $0.interval = .seconds(60)
            $0.driftInterval = .seconds(1)
            $0.selfHeal = false
        }
        try await harness.waitForStatus { $0.lastAppliedCommit == commit }
        let world = SimWorld(path: directory.url.appendingPathComponent("sim.db").path)
        var object = try #require(try await world.objects().first { $0.resource == ResourceID(.virtualMachine, "web-1") })
        object.spec = try #require(Self.setting(object.spec, "cpu", to: .integer(8)))
        try await world.replace(object)
        let reported = try await harness.waitForStatus { $0.lastReconcile?.result == .driftReported }
        let resource = try await harness.json("/api/v1/resources/VirtualMachine/web-1")
        await harness.stop()
        #expect(reported.message.contains("self-heal is off"))
        #expect(reported.resources["Drifted"] == 1)
        #expect(resource["drift"] as? Bool == true)
        let live = try #require(try await world.objects().first { $0.resource == ResourceID(.virtualMachine, "web-1") })
        #expect(live.spec["cpu"] == .integer(8), "drift is left alone")
    }

    @Test func aPinnedCommitStaysApplied() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let pinned = try repository.commit(Fleet.files(vms: ["web-1"]))
        let harness = try await ControllerHarness(directory: directory, repository: repository, reference: .commit(pinned))
        try await harness.waitForStatus { $0.lastAppliedCommit == pinned }
        try repository.commit(Fleet.files(vms: ["web-1", "web-2"]), message: "not for the pinned controller")
        let receipt = await harness.controller.trigger()
        let status = try await harness.waitForStatus { ($0.triggers?.handled ?? 0) >= receipt.trigger }
        await harness.stop()
        #expect(status.lastAppliedCommit == pinned)
        #expect(status.lastFetchedCommit == pinned)
        #expect(status.reference == "commit \(pinned)")
        #expect(try await harness.controller.store.snapshot().resources.count == 2)
    }

    @Test func aStandbyReplicaTakesOverWhenTheLeaderStops() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let commit = try repository.commit(Fleet.files(vms: ["web-1"]))
        let leader = try await ControllerHarness(directory: directory, repository: repository) { $0.holder = "replica-a" }
        try await leader.waitForStatus { $0.lastAppliedCommit == commit }
        let standby = try await ControllerHarness(directory: directory, repository: repository) {
            $0.holder = "replica-b"
            $0.source.cacheDirectory = directory.url.appendingPathComponent("cache-b")
        }
        let waiting = try await standby.waitForStatus { $0.phase == .standby }
        #expect(waiting.phase == .standby)
        #expect(waiting.message.contains("replica-a"))
        #expect(!waiting.leader)
        await leader.stop()
        let next = try repository.commit(Fleet.files(vms: ["web-1", "web-2"]))
        let took = try await standby.waitForStatus { $0.lastAppliedCommit == next }
        await standby.stop()
        #expect(took.leader)
        #expect(took.lastAppliedCommit == next)
    }

    @Test func anUnreachableRepositoryFailsWithBackoffAndIsNotReady() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let harness = try await ControllerHarness(directory: directory, repository: repository, url: "file:///nonexistent/repository")
        let failed = try await harness.waitForStatus { $0.phase == .failed }
        let ready = try await harness.request("GET", "/readyz")
        let healthy = try await harness.request("GET", "/healthz")
        let metrics = try await harness.request("GET", "/metrics").body
        await harness.stop()
        #expect(failed.message.contains("git: cannot clone file:///nonexistent/repository"))
        #expect(failed.message.contains("retrying in"))
        #expect(ready.status == 503)
        #expect(healthy.status == 200)
        #expect(metrics.contains("continuum_git_fetch_total{result=\"failure\"}"))
    }

    static func setting(_ spec: FieldValue, _ key: String, to value: FieldValue) -> FieldValue? {
        guard case .map(let entries) = spec else { return nil }
        return .map(entries.map { $0.key == key ? FieldValue.Entry($0.key, value) : $0 })
    }
}

/// Graceful shutdown in the middle of an apply.
@Suite("Controller shutdown", .serialized)
struct ControllerShutdownTests {
    @Test func shutdownMidApplyFinishesAndRecordsInFlightOperationsAndReleasesTheLock() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        var files = Fleet.files(vms: (1...8).map { "web-\($0)" })
        files["specs/provider.yaml"] = SpecSamples.file(SpecSamples.provider() + "\n  config: {latency: 300ms}", SpecSamples.network())
        let commit = try repository.commit(files)
        let harness = try await ControllerHarness(directory: directory, repository: repository) {
            $0.apply.parallelism = 2
        }
        // Wait until the apply is under way: the network exists and VMs are being created.
        let deadline = ContinuousClock.now + .seconds(120)
        while try await harness.controller.store.snapshot().resources.count < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await harness.stop()
        let store = harness.controller.store
        let recorded = try await store.snapshot().resources.count
        #expect(recorded >= 2 && recorded < 9, "the apply stopped part-way: \(recorded) of 9 recorded")
        #expect(try await store.pendingIntents().isEmpty, "every operation in flight finished and was recorded")
        #expect(try await store.currentLock() == nil, "the lock is released")
        #expect(await harness.controller.currentStatus().lastAppliedCommit != commit)

        // The next controller finishes the job.
        let next = try await ControllerHarness(directory: directory, repository: repository)
        let done = try await next.waitForStatus { $0.lastAppliedCommit == commit }
        await next.stop()
        #expect(done.lastAppliedCommit == commit)
        #expect(try await store.snapshot().resources.count == 9)
    }
}
