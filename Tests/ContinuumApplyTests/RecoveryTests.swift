import ContinuumApply
import ContinuumProvider
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Synchronization
import Testing

/// What a crash between an intent and its outcome leaves, and how the next run settles it.
@Suite("Journal recovery")
struct RecoveryTests {
    private let vm = ResourceID(.virtualMachine, "web-1")

    private func request(_ key: String) -> ProviderRequest {
        ProviderRequest(id: vm, spec: .object([("cpu", .integer(2))]), idempotencyKey: key)
    }

    @Test func aCreateThatTookEffectIsAdoptedNotRepeated() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        let sim = try harness.registry().provider("de-fra-cloud")
        try await harness.store.recordIntent(JournalEntry(key: "lost-reply", resource: vm, operation: .create, provider: "de-fra-cloud", spec: .object([("cpu", .integer(2))])))
        let created = try await sim.create(request("lost-reply"))
        let events = Mutex<[String]>([])
        try await JournalRecovery(store: harness.store, registry: harness.registry()).recover { event in
            if case .recovered(let id, let how) = event { events.withLock { $0.append("\(id) \(how.rawValue)") } }
        }
        #expect(events.withLock { $0 } == ["VirtualMachine/web-1 adopted"])
        #expect(try await harness.store.snapshot()[vm]?.providerID == created.providerID)
        #expect(try await harness.store.pendingIntents().isEmpty)
    }

    @Test func aCreateThatNeverHappenedIsLeftToThePlan() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        try await harness.store.recordIntent(JournalEntry(key: "never-sent", resource: vm, operation: .create, provider: "de-fra-cloud"))
        try await JournalRecovery(store: harness.store, registry: harness.registry()).recover()
        #expect(try await harness.store.snapshot()[vm] == nil)
        #expect(try await harness.store.pendingIntents().isEmpty)
    }

    @Test func aDeleteThatTookEffectRemovesTheRecord() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        let sim = try harness.registry().provider("de-fra-cloud")
        let created = try await sim.create(request("k"))
        _ = try await harness.store.commit(upserts: [RecordedResource(id: vm, provider: "de-fra-cloud", providerID: created.providerID, spec: .map([]))], removals: [])
        try await harness.store.recordIntent(JournalEntry(key: "d", resource: vm, operation: .delete, provider: "de-fra-cloud", providerID: created.providerID))
        try await sim.delete(.virtualMachine, providerID: created.providerID, idempotencyKey: "d")
        try await JournalRecovery(store: harness.store, registry: harness.registry()).recover()
        #expect(try await harness.store.snapshot()[vm] == nil)
    }

    @Test func deposedObjectsOfAnInterruptedReplaceAreDeleted() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        let sim = try harness.registry().provider("de-fra-cloud")
        let old = try await sim.create(request("old"))
        let new = try await sim.create(request("new"))
        _ = try await harness.store.commit(upserts: [RecordedResource(
            id: vm, provider: "de-fra-cloud", providerID: new.providerID, spec: .map([]), deposed: [DeposedObject(provider: "de-fra-cloud", providerID: old.providerID)])], removals: [])
        try await JournalRecovery(store: harness.store, registry: harness.registry()).recover()
        #expect(try await harness.world.objects().map(\.id) == [new.providerID])
        #expect(try await harness.store.snapshot()[vm]?.deposed == [])
    }

    /// A refresh that finds a replaced resource's object gone keeps the old objects its
    /// replace left to delete (plans see the resource as gone, to create again); recovery
    /// deletes them and then drops the record.
    @Test func aGoneObjectKeepsTheDeposedObjectsOfItsReplaceUntilTheyAreDeleted() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        let sim = try harness.registry().provider("de-fra-cloud")
        let old = try await sim.create(request("old"))
        let deposed = [DeposedObject(provider: "de-fra-cloud", providerID: old.providerID)]
        _ = try await harness.store.commit(upserts: [RecordedResource(
            id: vm, provider: "de-fra-cloud", providerID: "deleted-out-of-band", spec: .map([]), deposed: deposed)], removals: [])

        let refreshed = try await Refresher(store: harness.store, registry: harness.registry()).refresh()
        #expect(refreshed.missing == [vm])
        #expect(refreshed.snapshot[vm] == nil, "the plan sees the resource as gone and creates it again")
        let kept = try await harness.store.snapshot()[vm]
        #expect(kept?.providerID == nil)
        #expect(kept?.deposed == deposed, "the old object is still to be deleted")
        let again = try await Refresher(store: harness.store, registry: harness.registry()).refresh()
        #expect(again.snapshot[vm] == nil && again.missing == [vm] && !again.matchesStore)

        try await JournalRecovery(store: harness.store, registry: harness.registry()).recover()
        #expect(try await harness.world.objects().isEmpty, "the old object was deleted")
        #expect(try await harness.store.snapshot()[vm] == nil, "and the record went with it")
    }

    /// A crash while deleting the last deposed object of a record kept only for it: the
    /// settled delete removes the record too, so the resource is created again, not
    /// mistaken for existing.
    @Test func theSettledDeleteOfTheLastDeposedObjectRemovesAKeptRecord() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        let sim = try harness.registry().provider("de-fra-cloud")
        let old = try await sim.create(request("old"))
        _ = try await harness.store.commit(upserts: [RecordedResource(
            id: vm, provider: "de-fra-cloud", providerID: nil, spec: .map([]), deposed: [DeposedObject(provider: "de-fra-cloud", providerID: old.providerID)])], removals: [])
        try await harness.store.recordIntent(JournalEntry(key: "d", resource: vm, operation: .delete, provider: "de-fra-cloud", providerID: old.providerID))
        try await sim.delete(.virtualMachine, providerID: old.providerID, idempotencyKey: "d")
        try await JournalRecovery(store: harness.store, registry: harness.registry()).recover()
        #expect(try await harness.store.snapshot()[vm] == nil)
        #expect(try await harness.store.pendingIntents().isEmpty)
    }
}
