import ContinuumApply
import ContinuumPlanner
import ContinuumProvider
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Synchronization
import Testing

@Suite("Executor on the simulated cloud")
struct ExecutorTests {
    @Test func appliesAFleetAndConvergesWithOutputsFilledIn() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        let result = try await harness.apply()
        #expect(result.succeeded)
        #expect(result.summaryLine == "Apply complete! Resources: 8 added, 0 changed, 0 replaced, 0 destroyed.")
        let state = try await harness.store.snapshot()
        #expect(state.resources.count == 8)
        #expect(state[ResourceID(.virtualMachine, "web-2")]?.spec["userData"] == .string("peer=10.20.0.2"))
        #expect(state[ResourceID(.virtualMachine, "web-1")]?.outputs["ipAddress"] == .string("10.20.0.2"))
        #expect(try await harness.plan().hasChanges == false)
        #expect(try await harness.world.objects().count == 8)
    }

    @Test func anInjectedFailureRateConvergesWithoutDuplicates() async throws {
        var harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        harness.configs = ["de-fra-cloud": SimConfig(failureRate: 0.2, seed: 3), "es-bio-cloud": SimConfig(failureRate: 0.2, seed: 4)]
        var rounds = 0
        var retries = 0
        let counter = Mutex(0)
        repeat {
            rounds += 1
            _ = try await harness.apply(ApplyOptions(maximumAttempts: 2, initialBackoff: .milliseconds(1))) { event in
                if case .retrying = event { counter.withLock { $0 += 1 } }
            }
        } while try await harness.plan().hasChanges && rounds < 10
        retries = counter.withLock { $0 }
        #expect(try await harness.plan().hasChanges == false)
        #expect(retries > 0, "a failure rate of 0.2 over 8 creates must cause retries")
        let objects = try await harness.world.objects()
        #expect(objects.count == 8, "no duplicates: \(objects.map(\.resource.description))")
        #expect(Set(objects.map(\.resource)).count == 8)
    }

    @Test func aFailingProviderStopsOnlyItsDependents() async throws {
        var harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        harness.configs = ["es-bio-cloud": SimConfig(failureRate: 1, seed: 1)]
        let plan = try await harness.plan()
        let result = try await Executor(options: ApplyOptions(maximumAttempts: 2, initialBackoff: .milliseconds(1)))
            .apply(plan, resources: harness.loaded().resources, store: harness.store, registry: harness.registry())
        let actions = result.report.actions
        for action in actions where action.provider == "de-fra-cloud" { #expect(action.outcome == .succeeded, "\(action.resource)") }
        #expect(actions.contains { $0.outcome == .failed })
        for step in plan.steps where actions[step.index].outcome == .failed || actions[step.index].outcome == .skipped {
            for dependent in plan.steps where dependent.dependsOn.contains(step.index) {
                #expect(actions[dependent.index].outcome == .skipped, "\(actions[dependent.index].resource) waits for a step that did not succeed")
            }
        }
        #expect(result.summaryLine.hasPrefix("Apply failed:"))
    }

    @Test func aSavedPlanIsRefusedOnceTheStateMoved() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        let plan = try await harness.plan()
        _ = try await harness.store.commit(upserts: [], removals: [])
        await #expect(throws: ApplyError.self) {
            _ = try await Executor().apply(plan, resources: harness.loaded().resources, store: harness.store, registry: harness.registry())
        }
    }

    @Test func aStopSignalStartsNothingNew() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        let stop = StopSignal()
        stop.stop()
        let result = try await harness.apply(stop: stop)
        #expect(result.interrupted)
        #expect(result.report.actions.allSatisfy { $0.outcome == .skipped })
        #expect(try await harness.world.objects().isEmpty)
        #expect(result.summaryLine.hasPrefix("Apply interrupted"))
    }

    @Test func driftIsPlannedAsAnUpdateAndCorrected() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        _ = try await harness.apply()
        var object = try #require(try await harness.world.objects(for: ResourceID(.virtualMachine, "web-1")).first)
        object.spec = object.spec.replacing(key: "cpu", with: .integer(16))
        try await harness.world.replace(object)
        let plan = try await harness.plan()
        #expect(plan.changes.map { "\($0.action) \($0.id)" } == ["update VirtualMachine/web-1"])
        _ = try await harness.apply()
        #expect(try await harness.world.objects(for: ResourceID(.virtualMachine, "web-1")).first?.spec["cpu"] == .integer(2))
    }

    @Test func anObjectDeletedOutOfBandIsCreatedAgain() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        _ = try await harness.apply()
        let object = try #require(try await harness.world.objects(for: ResourceID(.virtualMachine, "bio-2")).first)
        try await harness.world.remove(id: object.id)
        let plan = try await harness.plan()
        #expect(plan.changes.map { "\($0.action) \($0.id)" } == ["create VirtualMachine/bio-2"])
    }

    @Test func removingAFileDeletesItsResourcesInOrder() async throws {
        var harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        _ = try await harness.apply()
        harness.files["bio.yaml"] = nil
        let order = Mutex<[String]>([])
        let result = try await harness.apply { event in
            if case .finished(let id, _, _, .succeeded) = event { order.withLock { $0.append(id.name) } }
        }
        #expect(result.summaryLine == "Apply complete! Resources: 0 added, 0 changed, 0 replaced, 3 destroyed.")
        #expect(order.withLock { $0 } == ["bio-2", "bio-1", "bio-net"])
        #expect(try await harness.world.objects().count == 5)
    }

    @Test func aProviderMoveCreatesOnTheNewSiteThenDeletesTheOld() async throws {
        var harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        _ = try await harness.apply()
        harness.files["bio.yaml"] = SpecSamples.file(
            SpecSamples.network("bio-net", provider: "es-bio-cloud", cidr: "10.30.0.0/24"),
            SpecSamples.virtualMachine("bio-1", provider: "es-bio-cloud", networks: ["Network/bio-net"]),
            SpecSamples.virtualMachine("bio-2", provider: "de-fra-cloud", networks: ["Network/fra-edge"], dependsOn: ["VirtualMachine/bio-1"]))
        let plan = try await harness.plan()
        #expect(plan.changes.first { $0.id.name == "bio-2" }?.replaceOrder == .createBeforeDestroy)
        let result = try await harness.apply()
        #expect(result.summaryLine == "Apply complete! Resources: 0 added, 0 changed, 1 replaced, 0 destroyed.")
        let objects = try await harness.world.objects(for: ResourceID(.virtualMachine, "bio-2"))
        #expect(objects.map(\.provider) == ["de-fra-cloud"])
        #expect(try await harness.store.snapshot()[ResourceID(.virtualMachine, "bio-2")]?.deposed == [])
    }
}

extension FieldValue {
    func replacing(key: String, with value: FieldValue) -> FieldValue {
        guard case .map(let entries) = self else { return self }
        return .map(entries.map { $0.key == key ? Entry(key, value) : $0 })
    }
}
