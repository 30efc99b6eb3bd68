import ContinuumApply
import ContinuumProvider
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Testing

/// A refresh lists each provider's revisions once and reads only the objects that changed.
@Suite("Refresh by revision")
struct RefresherTests {
    /// An out-of-band change to one applied object, and what the refresh must find.
    struct Change: Sendable, CustomTestStringConvertible {
        var name: String
        var resource: ResourceID
        var change: @Sendable (SimWorld, SimObject) async throws -> Void
        var drifted: Bool
        var missing: Bool
        var reads: Int
        var testDescription: String { name }
    }

    static let changes: [Change] = [
        Change(name: "a spec edited in the cloud drifts", resource: ResourceID(.virtualMachine, "web-1"), change: { world, object in
            var object = object
            object.spec = object.spec.replacing(key: "cpu", with: .integer(16))
            try await world.replace(object)
        }, drifted: true, missing: false, reads: 1),
        Change(name: "an object deleted in the cloud is missing without a read", resource: ResourceID(.virtualMachine, "bio-2"), change: { world, object in
            try await world.remove(id: object.id)
        }, drifted: false, missing: true, reads: 0),
        Change(name: "new outputs are read and recorded, not drift", resource: ResourceID(.network, "fra-edge"), change: { world, object in
            var object = object
            object.outputs["gateway"] = .string("10.20.0.254")
            try await world.replace(object)
        }, drifted: false, missing: false, reads: 1),
    ]

    @Test func anUnchangedWorldIsListedNotRead() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        _ = try await harness.apply()
        let stored = try await harness.store.snapshot()
        let result = try await Refresher(store: harness.store, registry: harness.registry()).refresh()
        #expect(result.objectsRead == 0)
        #expect(result.drifted.isEmpty && result.missing.isEmpty)
        #expect(result.matchesStore)
        #expect(result.snapshot == stored)
        #expect(stored.resources.allSatisfy { $0.revision != nil }, "every applied object's revision is recorded")
    }

    @Test(arguments: changes)
    func anOutOfBandChangeIsFoundByItsRevision(_ change: Change) async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        _ = try await harness.apply()
        let object = try #require(try await harness.world.objects(for: change.resource).first)
        try await change.change(harness.world, object)
        let before = try await harness.store.snapshot()

        let result = try await Refresher(store: harness.store, registry: harness.registry()).refresh()
        #expect(result.objectsRead == change.reads)
        #expect(result.drifted == (change.drifted ? [change.resource] : []))
        #expect(result.missing == (change.missing ? [change.resource] : []))
        #expect(result.matchesStore == !change.drifted)
        let after = try await harness.store.snapshot()
        if change.drifted {
            #expect(after == before, "drift is corrected by the plan, not written into the state")
            #expect(result.snapshot.resources.first { $0.id == change.resource }?.spec["cpu"] == .integer(16))
        } else {
            #expect(after.serial > before.serial)
            #expect(after == result.snapshot, "what the refresh found is what the store now holds")
            let again = try await Refresher(store: harness.store, registry: harness.registry()).refresh()
            #expect(again.objectsRead == 0 && again.matchesStore, "once recorded, the new revision is not read again")
        }
    }

    @Test func aRefreshForAPlanChangesNothingInTheStore() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        _ = try await harness.apply()
        let object = try #require(try await harness.world.objects(for: ResourceID(.virtualMachine, "bio-2")).first)
        try await harness.world.remove(id: object.id)
        let before = try await harness.store.snapshot()
        let result = try await Refresher(store: harness.store, registry: harness.registry()).refresh(persist: false)
        #expect(result.missing == [ResourceID(.virtualMachine, "bio-2")])
        #expect(!result.matchesStore)
        #expect(try await harness.store.snapshot() == before)
    }

    @Test func recordsWithoutARevisionAndProvidersWithoutListingsAreRead() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        _ = try await harness.apply()
        var records = try await harness.store.snapshot().resources
        for index in records.indices { records[index].revision = nil }
        _ = try await harness.store.commit(upserts: records, removals: [])
        let count = records.filter { $0.providerID != nil }.count

        let upgraded = try await Refresher(store: harness.store, registry: harness.registry()).refresh()
        #expect(upgraded.objectsRead == count, "a state written before revisions were kept is read once")
        #expect(upgraded.drifted.isEmpty)
        #expect(try await harness.store.snapshot().resources.allSatisfy { $0.revision != nil })

        var registry = try harness.registry()
        for (name, entry) in registry.entries { registry.entries[name]?.provider = UnlistedProvider(entry.provider) }
        let unlisted = try await Refresher(store: harness.store, registry: registry).refresh()
        #expect(unlisted.objectsRead == count, "a provider that cannot list revisions has every object read")
        #expect(unlisted.matchesStore)
    }
}
