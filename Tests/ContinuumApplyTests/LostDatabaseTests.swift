import ContinuumApply
import ContinuumEngine
import ContinuumGraph
import ContinuumPlanner
import ContinuumPostgres
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Synchronization
import Testing

/// A PostgreSQL state that starts refusing writes mid-apply (as a database lost or failed
/// over would): the apply records nothing wrong, and the next reconcile resumes through the
/// journal without duplicating what the interrupted one created.
@Suite("Apply on PostgreSQL losing the database mid-apply")
struct LostDatabaseTests {
    @Test func nothingWrongIsRecordedAndTheNextReconcileResumesThroughTheJournal() async throws {
        let server = try PostgresServer.shared()
        let database = try server.createDatabase()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let world = SimWorld(path: directory.url.appendingPathComponent("sim.db").path)
        let store = PostgresStateStore(location: try PostgresLocation.parse(server.url(database)), password: nil)
        let repository = SpecHarness.load(Fleet.files)
        let (graph, _) = GraphBuilder().build(repository.resources, rejected: repository.rejected)
        let plan = try Planner().plan(resources: repository.resources, graph: graph, state: try await store.snapshot())

        // The second provider call finds every state write refused from then on: its object
        // is created, but its completion cannot be recorded.
        let calls = Mutex(0)
        let failWrites = """
            CREATE FUNCTION lost() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the database is gone'; END $$;
            CREATE TRIGGER lost BEFORE UPDATE ON continuum_meta FOR EACH ROW EXECUTE FUNCTION lost();
            """
        let hook: @Sendable (Duration) async throws -> Void = { _ in
            if calls.withLock({ $0 += 1; return $0 }) == 2 { try server.psql(failWrites, database: database) }
        }
        var entries: [String: ProviderRegistry.Entry] = [:]
        for name in ["de-fra-cloud", "es-bio-cloud"] {
            entries[name] = .init(provider: SimProvider(name: name, config: SimConfig(latency: .milliseconds(1) ... .milliseconds(1)), world: world, sleep: hook), concurrency: 1)
        }
        let first = try await Executor(options: ApplyOptions(parallelism: 1, maximumAttempts: 1)).apply(
            plan, resources: repository.resources, store: store, registry: ProviderRegistry(entries))
        #expect(!first.succeeded)
        let objects = try await world.objects()
        let recorded = try await store.snapshot().resources
        #expect(recorded.count == 1, "only the call before the loss is recorded")
        #expect(objects.count == 2, "the call in flight created its object; nothing else was called")
        for record in recorded { #expect(objects.contains { $0.id == record.providerID }, "every record names a real object") }
        #expect(try await store.pendingIntents().count == 1, "the lost completion is pending in the journal")

        try server.psql("DROP TRIGGER lost ON continuum_meta", database: database)
        let catalog = ProviderCatalog(factories: [HarnessSimFactory(world: world, configs: [:])], secretsDirectory: directory.url.appendingPathComponent("secrets"))
        let reconciler = Reconciler(store: store, catalog: catalog, options: ReconcileOptions(apply: .fast))
        guard case .applied(_, let result?) = await reconciler.reconcile(ValidatedSpecs(repository: repository, graph: graph), source: "test") else {
            Issue.record("the second reconcile did not apply")
            return
        }
        #expect(result.succeeded)
        let state = try await store.snapshot()
        #expect(state.resources.count > recorded.count)
        for record in state.resources {
            #expect(try await world.objects(for: record.id).count == 1, "\(record.id): no duplicate; the orphan was adopted through its idempotency key")
        }
        #expect(try await world.objects().count == state.resources.count)
        #expect(try await store.pendingIntents().isEmpty)
        await store.close()
    }
}
