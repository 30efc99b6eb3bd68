import ContinuumApply
import ContinuumProvider
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// Replicas sharing a fleet in shards: each applies only its shards' steps, fenced by their
/// leases; a step whose dependency is another shard's waits until the state records it done.
@Suite("Sharded apply")
struct ShardedApplyTests {
    /// `bio-1` (shard es-bio-cloud) depends on `web-1` (shard de-fra-cloud).
    static let files: [String: String] = [
        "providers.yaml": Fleet.providers,
        "fra.yaml": SpecSamples.file(SpecSamples.network(), SpecSamples.virtualMachine("web-1")),
        "bio.yaml": SpecSamples.file(
            SpecSamples.network("bio-net", provider: "es-bio-cloud", cidr: "10.30.0.0/24"),
            SpecSamples.virtualMachine("bio-1", provider: "es-bio-cloud", networks: ["Network/bio-net"], dependsOn: ["VirtualMachine/web-1"])),
    ]

    static func options(holding shard: String, _ fence: LeaseFence) -> ApplyOptions {
        var options = ApplyOptions.fast
        options.ownership = ShardOwnership(map: ShardMap(), held: [shard: fence])
        return options
    }

    @Test func eachReplicaAppliesItsShardAndADependencyOnAnotherShardWaitsForTheState() async throws {
        let harness = try ApplyHarness(Self.files)
        defer { harness.remove() }
        let bio = try await harness.store.takeLease("shard/es-bio-cloud", holder: "b", for: .seconds(60), renewing: nil)
        let fra = try await harness.store.takeLease("shard/de-fra-cloud", holder: "a", for: .seconds(60), renewing: nil)
        // Another shard's interrupted operation is its holder's to settle (it may be in flight).
        let foreign = JournalEntry(key: "in-flight", resource: ResourceID(.virtualMachine, "web-1"), operation: .create, provider: "de-fra-cloud")
        try await harness.store.recordIntent(foreign)

        let first = try await harness.apply(Self.options(holding: "es-bio-cloud", bio))
        #expect(first.waiting == 3, "web-1 and fra-edge are the other shard's; bio-1 waits for web-1")
        #expect(first.added == 1)
        #expect(try await harness.world.objects().map(\.resource.name) == ["bio-net"])
        #expect(try await harness.store.pendingIntents().map(\.key) == ["in-flight"], "the other shard's intent is left alone")

        let second = try await harness.apply(Self.options(holding: "de-fra-cloud", fra))
        #expect(second.added == 2)
        #expect(second.waiting == 1, "bio-1 is the other shard's")
        #expect(try await harness.store.pendingIntents().isEmpty, "its own shard's intent was settled")

        let third = try await harness.apply(Self.options(holding: "es-bio-cloud", bio))
        #expect(third.added == 1)
        #expect(third.waiting == 0)
        let objects = try await harness.world.objects()
        #expect(objects.map(\.resource.name).sorted() == ["bio-1", "bio-net", "fra-edge", "web-1"], "each object once: no duplicate")
        #expect(Set(try await harness.store.snapshot().resources.compactMap(\.providerID)) == Set(objects.map(\.id)), "no orphan")
    }

    @Test func aReplicaWhoseShardWasTakenOverWritesNothingAndStops() async throws {
        let harness = try ApplyHarness(Self.files)
        defer { harness.remove() }
        let stale = try await harness.store.takeLease("shard/de-fra-cloud", holder: "paused", for: .milliseconds(1), renewing: nil)
        try await harness.store.takeOver("shard/de-fra-cloud", holder: "next")
        let stop = StopSignal()
        // Its first write, the shard's provider spec, is refused: nothing is applied.
        await #expect { _ = try await harness.apply(Self.options(holding: "de-fra-cloud", stale), stop: stop) } throws: { error in
            "\(error)".contains("was taken over")
        }
        #expect(stop.isStopped, "the fenced write stopped the apply")
        #expect(try await harness.world.objects().isEmpty, "no provider call was made")
        #expect(try await harness.store.snapshot().resources.isEmpty)
        #expect(try await harness.store.pendingIntents().isEmpty)
    }

    /// A holder paused mid-create (past its lease) may still make its call after the new
    /// holder recovered the intent: the new create reuses the interrupted one's key, so the
    /// two calls make one object.
    @Test func aCreateInterruptedAndNotFoundIsMadeAgainWithItsKeySoALateCallMakesNoDuplicate() async throws {
        let harness = try ApplyHarness(Self.files)
        defer { harness.remove() }
        let id = ResourceID(.virtualMachine, "web-1")
        try await harness.store.recordIntent(JournalEntry(key: "paused-key", resource: id, operation: .create, provider: "de-fra-cloud"))
        let result = try await harness.apply()
        #expect(result.added == 4)
        let made = try await harness.world.objects(for: id)
        #expect(made.map(\.idempotencyKey) == ["paused-key"])
        let late = SimProvider(name: "de-fra-cloud", config: SimConfig(), world: harness.world, sleep: { _ in })
        let answer = try await late.create(ProviderRequest(id: id, spec: .map([]), idempotencyKey: "paused-key"))
        #expect(answer.providerID == made.first?.id, "the paused holder's late call finds the object made for its key")
        #expect(try await harness.world.objects(for: id).count == 1)
    }

    @Test(arguments: [("de-fra-cloud", ShardMap.Grouping.perProvider, "de-fra-cloud"), ("de-fra-cloud", .hashed(4), "shard-0"), ("es-bio-cloud", .hashed(4), "shard-2")])
    func providersMapToShardsStably(_ provider: String, _ grouping: ShardMap.Grouping, _ shard: String) {
        #expect(ShardMap(grouping).shard(of: provider) == shard)
    }

    @Test func aReplicasOwnRecordsAreFencedByEveryShardItHeldOrItsMembership() {
        let a = LeaseFence(holder: "r", generation: 3), b = LeaseFence(holder: "r", generation: 7), member = LeaseFence(holder: "r", generation: 1)
        let membership = ScopedFence(lease: "member/r", fence: member)
        let holding = ShardOwnership(map: ShardMap(), held: ["de-fra-cloud": a, "es-bio-cloud": b], membership: membership)
        #expect(holding.replicaFence.fences == ["shard/de-fra-cloud": a, "shard/es-bio-cloud": b])
        #expect(ShardOwnership(map: ShardMap(), held: [:], membership: membership).replicaFence == membership)
        // Per-provider writes go to their shard's fence; a shard not held is left to its holder.
        let one = ShardOwnership(map: ShardMap(), held: ["de-fra-cloud": a], membership: membership)
        let parts = one.split(["de-fra-cloud": 1, "es-bio-cloud": 2])
        #expect(parts.count == 1)
        #expect(parts.first?.fence == ScopedFence(lease: "shard/de-fra-cloud", fence: a))
        #expect(parts.first?.values == ["de-fra-cloud": 1])
    }
}
