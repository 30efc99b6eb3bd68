import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// The store contract on every store alike: serial and lineage, what another connection
/// sees, events.
@Suite("State store contract")
struct StoreContractTests {
    static func record(_ name: String, cpu: Int = 2) -> RecordedResource {
        RecordedResource(
            id: ResourceID(.virtualMachine, name), provider: "de-fra-cloud", providerID: "vm-\(name)",
            spec: .object([("cpu", .integer(cpu)), ("password", .secret(.fromEnv("BMC_PASSWORD")))]),
            outputs: ["ipAddress": .string("10.0.0.5")], dependencies: [ResourceID(.network, "fra-edge")],
            lifecycle: Lifecycle(preventDestroy: true), labels: ["site": "fra"], revision: "7")
    }

    @Test(arguments: StoreKind.allCases)
    func commitsRoundTripBumpTheSerialAndKeepTheLineage(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        #expect(try await state.store.commit(upserts: [Self.record("a"), Self.record("b")], removals: []) == 1)
        #expect(try await state.store.commit(upserts: [Self.record("a", cpu: 4), Self.record("a", cpu: 8)], removals: [ResourceID(.virtualMachine, "b")]) == 2)
        let first = try await state.store.snapshot()
        let reopened = try await state.connect().snapshot()
        #expect(reopened.serial == 2)
        #expect(reopened.resources == [Self.record("a", cpu: 8)], "the last upsert of an id wins; secrets stay references")
        #expect(reopened.lineage == first.lineage)
        if kind != .memory { #expect(reopened.lineage?.count == 36) }
        #expect(try await state.store.commit(upserts: [], removals: []) == 3, "an empty commit still moves the serial")
    }

    @Test(arguments: StoreKind.allCases)
    func aSnapshotSeesWhatAnotherConnectionWrote(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        let other = state.connect()
        _ = try await state.store.commit(upserts: [Self.record("a")], removals: [])
        #expect(try await state.store.snapshot().resources == [Self.record("a")])
        _ = try await other.commit(upserts: [Self.record("a", cpu: 16), Self.record("b")], removals: [])
        let moved = try await state.store.snapshot()
        #expect(moved.serial == 2)
        #expect(moved.resources == [Self.record("a", cpu: 16), Self.record("b")])
        try await other.recordProviders(["de-fra-cloud": .object([("type", .string("sim"))])])
        let providers = try await state.store.snapshot()
        #expect(providers.serial == 2, "recording providers does not move the serial a saved plan checks")
        #expect(providers.providers["de-fra-cloud"] == .object([("type", .string("sim"))]))
        try await other.recordProviders(["de-fra-cloud": .object([("type", .string("libvirt"))])])
        #expect(try await state.store.snapshot().providers["de-fra-cloud"] == .object([("type", .string("libvirt"))]))
    }

    @Test(arguments: StoreKind.allCases)
    func controlsAreSharedAndRemovedWithoutMovingTheSerial(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = try kind.make(directory)
        let other = state.connect()
        #expect(try await state.store.controls().isEmpty)
        try await state.store.setControl("suspended", to: "by test")
        try await state.store.setControl("pinned", to: "0123456")
        try await other.setControl("pinned", to: "89abcde")
        #expect(try await other.controls() == ["suspended": "by test", "pinned": "89abcde"])
        try await other.setControl("suspended", to: nil)
        #expect(try await state.store.controls() == ["pinned": "89abcde"])
        #expect(try await state.store.snapshot().serial == 0, "controls are not resources: the serial stays")
    }

    @Test(arguments: StoreKind.allCases)
    func eventsAreKeptPerResourceNewestFirst(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try kind.make(directory).store
        let web = ResourceID(.virtualMachine, "web"), db = ResourceID(.virtualMachine, "db")
        let time = Date(timeIntervalSince1970: 1_000)
        try await store.appendEvents([
            ResourceEvent(resource: web, time: time, action: "created", source: "commit 1"),
            ResourceEvent(resource: db, time: time, action: "created", source: "commit 1"),
            ResourceEvent(resource: web, time: time, action: "updated", source: "commit 2", message: "cpu 2 -> 4"),
        ])
        #expect(try await store.events(of: web, limit: 10).map(\.action) == ["updated", "created"])
        #expect(try await store.events(of: web, limit: 1).map(\.source) == ["commit 2"])
        let latest = try await store.latestEvents()
        #expect(latest[web]?.message == "cpu 2 -> 4")
        #expect(latest[db]?.action == "created")
        #expect(try await store.events(of: ResourceID(.network, "none"), limit: 10).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func theLockKeepsItsGenerationOnRenewalAndMovesItOnEveryNewHolder(_ kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try kind.make(directory).store
        try await store.lock(holder: "a", for: .seconds(60), host: "h", processID: 1)
        let first = try #require(try await store.currentLock())
        try await store.renewLock(holder: "a", for: .seconds(60), host: "h", processID: 1)
        let renewed = try #require(try await store.currentLock())
        #expect(renewed.generation == first.generation)
        #expect(renewed.acquiredAt == first.acquiredAt)
        #expect(renewed.host == "h" && renewed.processID == 1)
        try await store.unlock(holder: "a")
        #expect(try await store.currentLock() == nil)
        try await store.lock(holder: "b", for: .seconds(60))
        let next = try #require(try await store.currentLock())
        #expect((next.generation ?? 0) > (first.generation ?? 0), "a released lease taken again has a higher generation")
    }
}
