import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

@Suite("SQLite state store")
struct SQLiteStateStoreTests {
    private func record(_ name: String, cpu: Int = 2) -> RecordedResource {
        RecordedResource(
            id: ResourceID(.virtualMachine, name), provider: "de-fra-cloud", providerID: "vm-\(name)",
            spec: .object([("cpu", .integer(cpu)), ("memory", .quantity(try! Quantity.parse("4Gi").get()))]),
            outputs: ["ipAddress": .string("10.0.0.5")], dependencies: [ResourceID(.network, "fra-edge")],
            lifecycle: Lifecycle(preventDestroy: true))
    }

    @Test func aMissingFileReadsAsEmptyAndIsNotCreated() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("sub/state.db").path
        let snapshot = try await SQLiteStateStore(path: path).snapshot()
        #expect(snapshot == .empty)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func commitsRoundTripAndBumpTheSerial() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("state.db").path
        let store = SQLiteStateStore(path: path)
        #expect(try await store.commit(upserts: [record("a"), record("b")], removals: []) == 1)
        #expect(try await store.commit(upserts: [record("a", cpu: 4)], removals: [ResourceID(.virtualMachine, "b")]) == 2)
        let reopened = try await SQLiteStateStore(path: path).snapshot()
        #expect(reopened.serial == 2)
        #expect(reopened.resources == [record("a", cpu: 4)])
        #expect(reopened.lineage?.count == 36)
        let first = try await SQLiteStateStore(path: path).snapshot().lineage
        #expect(first == reopened.lineage)
    }

    @Test func aKeptSnapshotIsReadAgainOnceAnotherWriterMovedTheState() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("state.db").path
        let controller = SQLiteStateStore(path: path), other = SQLiteStateStore(path: path)
        _ = try await controller.commit(upserts: [record("a")], removals: [])
        #expect(try await controller.snapshot().resources == [record("a")])
        var withRevision = record("a", cpu: 8)
        withRevision.revision = "41"
        _ = try await other.commit(upserts: [withRevision, record("b")], removals: [])
        let moved = try await controller.snapshot()
        #expect(moved.serial == 2)
        #expect(moved.resources == [withRevision, record("b")], "a commit by another process is seen, revision included")
        try await other.recordProviders(["de-fra-cloud": .object([("type", .string("sim"))])])
        let providers = try await controller.snapshot()
        #expect(providers.serial == 2, "recording providers does not move the serial a saved plan checks")
        #expect(providers.providers["de-fra-cloud"] == .object([("type", .string("sim"))]))
        try await other.recordProviders(["de-fra-cloud": .object([("type", .string("libvirt"))])])
        #expect(try await controller.snapshot().providers["de-fra-cloud"] == .object([("type", .string("libvirt"))]))
    }

    @Test func secretReferencesAreStoredAsReferencesOnly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("state.db").path
        var resource = record("a")
        resource.spec = .object([("password", .secret(.fromEnv("BMC_PASSWORD")))])
        _ = try await SQLiteStateStore(path: path).commit(upserts: [resource], removals: [])
        let snapshot = try await SQLiteStateStore(path: path).snapshot()
        #expect(snapshot.resources.first?.spec["password"] == .secret(.fromEnv("BMC_PASSWORD")))
    }

    @Test func aFileThatIsNotADatabaseIsAClearError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("state.db", "this is not sqlite")
        await #expect(throws: StateError.self) { try await SQLiteStateStore(path: file.path).snapshot() }
        do {
            _ = try await SQLiteStateStore(path: file.path).snapshot()
        } catch {
            #expect(error.description.hasPrefix(file.path + ": error: "))
        }
    }

    @Test func theInMemoryStoreBehavesTheSame() async throws {
        let store = InMemoryStateStore()
        #expect(try await store.commit(upserts: [record("a"), record("b")], removals: []) == 1)
        #expect(try await store.commit(upserts: [], removals: [ResourceID(.virtualMachine, "a")]) == 2)
        #expect(try await store.snapshot().resources.map(\.id.name) == ["b"])
    }

    @Test func fieldValuesRoundTripThroughJSON() throws {
        let value = FieldValue.object([
            ("a", .list([.integer(1), .number(1.5), .boolean(true), .reference(ResourceID(.network, "n"))])),
            ("t", .template(try InterpolatedString.parse("x ${Network/n.outputs.id}").get())),
            ("u", .unknown), ("s", .string("x")),
        ])
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(FieldValue.self, from: data) == value)
    }
}
