import ContinuumApply
import ContinuumEngine
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// Sharded, a replica's resource events and provider specs are written under the fence of
/// the shard they belong to, and its history under every shard it held: a replica whose
/// shard was taken over (paused past its lease, then continued) records none of them, and
/// stops as for its other fenced writes.
@Suite("Sharded records")
struct ShardedRecordsTests {
    static func options(holding held: [String: LeaseFence]) -> ReconcileOptions {
        var options = ReconcileOptions(apply: .fast)
        options.apply.ownership = ShardOwnership(map: ShardMap(), held: held)
        return options
    }

    static let fra: Set<String> = ["fra-edge", "web-1", "web-2"]

    @Test func eachReplicaRecordsItsShardsEventsAndProvidersOnly() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        let fra = try await harness.store.takeLease("shard/de-fra-cloud", holder: "a", for: .seconds(60), renewing: nil)
        let outcome = await harness.reconciler(Self.options(holding: ["de-fra-cloud": fra])).reconcile(try await harness.specs(), source: "test")
        guard case .applied(_, let result?) = outcome else { Issue.record("not applied: \(outcome)"); return }
        #expect(result.waiting == 2, "bio-net and bio-1 are the other shard's")
        #expect(Set(try await harness.store.latestEvents().keys.map(\.name)) == Self.fra, "only its shard's resources' events")
        #expect(Set(try await harness.store.snapshot().providers.keys) == ["de-fra-cloud"], "only its shard's provider")
        #expect(try await harness.store.history(limit: 10).count == 1)
    }

    @Test func aReplicaWhoseShardWasTakenOverRecordsNoEventsNorProvidersAndStops() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        let specs = try await harness.specs()
        let first = try await harness.store.takeLease("shard/de-fra-cloud", holder: "a", for: .seconds(60), renewing: nil)
        _ = await harness.reconciler(Self.options(holding: ["de-fra-cloud": first])).reconcile(specs, source: "first")
        try await harness.store.releaseLease("shard/de-fra-cloud", holder: "a")
        // The paused replica's lease lapses at once; nobody has taken it yet, so its refresh
        // still records what it finds (web-1 was changed outside Continuum: drift).
        let stale = try await harness.store.takeLease("shard/de-fra-cloud", holder: "paused", for: .milliseconds(1), renewing: nil)
        try await harness.changeOutside(ResourceID(.virtualMachine, "web-1"), field: "cpu", to: .integer(8))
        try harness.writeFleet(fraVMs: 3)  // and a new VM to create
        let next = SQLiteStateStore(path: harness.directory.url.appendingPathComponent("state.db").path)
        let eventsBefore = try await harness.store.events(of: ResourceID(.virtualMachine, "web-1"), limit: 100)
        let historyBefore = try await harness.store.history(limit: 10).count
        let stop = StopSignal()
        let outcome = await harness.reconciler(Self.options(holding: ["de-fra-cloud": stale])).reconcile(
            try await harness.specs(), source: "paused", approve: { _ in
                // It continues after another replica took its shard over.
                (try? await next.takeOver("shard/de-fra-cloud", holder: "next")) != nil
            }, stop: stop)
        guard case .failed(let failure, _) = outcome else { Issue.record("not refused: \(outcome)"); return }
        #expect(failure.message.contains("was taken over"), "\(failure.message)")
        #expect(stop.isStopped, "the fenced write stops it, as its other fenced writes do")
        #expect(try await harness.store.events(of: ResourceID(.virtualMachine, "web-1"), limit: 100) == eventsBefore, "its drift event was refused")
        #expect(try await harness.store.history(limit: 10).count == historyBefore)
        #expect(try await harness.store.snapshot().providers.keys.sorted() == ["de-fra-cloud"], "unchanged")
        #expect(try await harness.world.objects().count(where: { $0.resource.name == "web-3" }) == 0, "nothing was applied")
    }
}
