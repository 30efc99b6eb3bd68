import ContinuumApply
import ContinuumEngine
import ContinuumPlanner
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// The engine's one reconciliation: isolation of unreadable providers and unsettled
/// operations, the policy checks, and saved plans.
@Suite("Reconciler")
struct ReconcilerTests {
    @Test func aFleetConvergesAndASecondReconcileChangesNothing() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        let specs = try await harness.specs()
        guard case .applied(_, let result?) = await harness.reconciler().reconcile(specs, source: "test") else { Issue.record("not applied"); return }
        #expect(result.succeeded)
        #expect(try await harness.world.objects().count == 5)
        guard case .applied(let again, nil) = await harness.reconciler().reconcile(specs, source: "test") else { Issue.record("not a no-op"); return }
        #expect(!again.plan.hasChanges)
        #expect(try await harness.store.history(limit: 10).count == 1, "only the apply with changes is history")
    }

    @Test func aProviderThatCannotBeReadHoldsOnlyItsOwnResources() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        _ = await harness.reconciler().reconcile(try await harness.specs(), source: "test")
        harness.broken.set(["es-bio-cloud"])
        try harness.writeFleet(fraVMs: 3)  // a new VM on the healthy provider
        let outcome = await harness.reconciler().reconcile(try await harness.specs(), source: "test")
        guard case .applied(let planned, let result?) = outcome else { Issue.record("not applied: \(outcome)"); return }
        #expect(result.succeeded)
        #expect(planned.plan.changes.map(\.id) == [ResourceID(.virtualMachine, "web-3")])
        #expect(Set(planned.plan.held.map(\.id)) == [ResourceID(.network, "bio-net"), ResourceID(.virtualMachine, "bio-1")])
        #expect(planned.plan.held.allSatisfy { $0.reason.contains("the endpoint does not answer") })
        #expect(PlanTextRenderer().render(planned.plan).contains("? VirtualMachine/bio-1: its provider could not be read"))
        #expect(try await harness.store.snapshot()[ResourceID(.virtualMachine, "bio-1")] != nil, "an unreadable resource keeps its record")
    }

    @Test func anOperationThatCannotBeSettledHoldsItsResourceAndWhatDependsOnIt() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        // An interrupted create on the Bilbao network, whose provider now does not answer.
        try await harness.store.recordIntent(JournalEntry(key: "lost", resource: ResourceID(.network, "bio-net"), operation: .create, provider: "es-bio-cloud"))
        harness.broken.set(["es-bio-cloud"])
        let outcome = await harness.reconciler().reconcile(try await harness.specs(), source: "test")
        guard case .applied(let planned, let result?) = outcome else { Issue.record("not applied: \(outcome)"); return }
        #expect(result.succeeded)
        #expect(Set(planned.plan.changes.map(\.id)) == [ResourceID(.network, "fra-edge"), ResourceID(.virtualMachine, "web-1"), ResourceID(.virtualMachine, "web-2")])
        let held = Dictionary(uniqueKeysWithValues: planned.plan.held.map { ($0.id, $0.reason) })
        #expect(held[ResourceID(.network, "bio-net")]?.contains("its interrupted create could not be settled") == true)
        #expect(held[ResourceID(.virtualMachine, "bio-1")]?.contains("it depends on Network/bio-net") == true)
        #expect(try await harness.store.pendingIntents().map(\.key) == ["lost"], "the intent stays pending for the next run")

        harness.broken.set([])
        guard case .applied(let next, let settled?) = await harness.reconciler().reconcile(try await harness.specs(), source: "test") else { Issue.record("not applied"); return }
        #expect(settled.succeeded && next.plan.held.isEmpty)
        #expect(try await harness.store.pendingIntents().isEmpty)
        #expect(try await harness.world.objects().count == 5)
    }

    @Test func aPlanOverTheDestroyLimitIsRefusedAndChangesNothing() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        _ = await harness.reconciler().reconcile(try await harness.specs(), source: "test")
        try FileManager.default.removeItem(at: harness.directory.url.appendingPathComponent("specs/fra.yaml"))
        let outcome = await harness.reconciler(ReconcileOptions(apply: .fast, maximumDestroys: 2)).reconcile(try await harness.specs(), source: "test")
        guard case .refused(let refusal, _) = outcome else { Issue.record("not refused: \(outcome)"); return }
        #expect(refusal.reason.contains("destroys 3 resources"))
        #expect(try await harness.world.objects().count == 5)
    }

    @Test func driftIsOnlyReportedWhenCorrectingItIsOff() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        _ = await harness.reconciler().reconcile(try await harness.specs(), source: "test")
        try await harness.changeOutside(ResourceID(.virtualMachine, "web-1"), field: "cpu", to: .integer(8))
        let reported = await harness.reconciler(ReconcileOptions(apply: .fast, correctDrift: false)).reconcile(try await harness.specs(), source: "test")
        guard case .driftReported(let planned) = reported else { Issue.record("not reported: \(reported)"); return }
        #expect(planned.drift.drifted == [ResourceID(.virtualMachine, "web-1")])
        guard case .applied(_, let result?) = await harness.reconciler().reconcile(try await harness.specs(), source: "test") else { Issue.record("not corrected"); return }
        #expect(result.changed == 1)
    }

    @Test func aSavedPlanIsAppliedAsReviewed() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        let specs = try await harness.specs()
        let saved = try await harness.reconciler().plan(specs).plan
        #expect(saved.journalPosition == 0 && saved.unsettledIntents == 0)
        let decoded = try PlanJSONCoder.decode(try PlanJSONCoder.encode(saved))
        #expect(decoded == saved, "the journal position survives the saved file")
        guard case .applied(_, let result?) = await harness.reconciler().apply(saved: decoded, specs: specs, source: "plan.json") else { Issue.record("not applied"); return }
        #expect(result.added == 5)
    }

    @Test func aSavedPlanIsRefusedWhenCallsWereJournalledSince() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        let specs = try await harness.specs()
        let saved = try await harness.reconciler().plan(specs).plan
        // Another apply journals a call and dies before completing it (its effect unknown).
        try await harness.store.recordIntent(JournalEntry(key: "other", resource: ResourceID(.network, "fra-edge"), operation: .create, provider: "de-fra-cloud"))
        let outcome = await harness.reconciler().apply(saved: saved, specs: specs, source: "plan.json")
        guard case .failed(let failure, _) = outcome else { Issue.record("not refused: \(outcome)"); return }
        #expect(failure.stage == .savedPlan)
        #expect(failure.message.contains("run `continuum plan --out FILE` again"))
        #expect(try await harness.world.objects().isEmpty, "nothing of the saved plan was applied")
        #expect(try await harness.store.pendingIntents().isEmpty, "recovery ran first all the same")
    }

    @Test func aSavedPlanMadeOverUnsettledOperationsIsRefused() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        let specs = try await harness.specs()
        try await harness.store.recordIntent(JournalEntry(key: "lost", resource: ResourceID(.network, "fra-edge"), operation: .create, provider: "de-fra-cloud"))
        let saved = try await harness.reconciler().plan(specs).plan
        #expect(saved.unsettledIntents == 1)
        #expect(saved.held.map(\.id).contains(ResourceID(.network, "fra-edge")), "plan shows what it cannot know yet")
        let outcome = await harness.reconciler().apply(saved: saved, specs: specs, source: "plan.json")
        guard case .failed(let failure, _) = outcome else { Issue.record("not refused: \(outcome)"); return }
        #expect(failure.message.contains("were not settled"))
    }

    /// A reviewer sees what changes in how providers are reached: a Provider's changed
    /// spec is a plan line, applying records it, and the next plan is empty.
    @Test func aChangedProviderIsAPlanLineUntilApplied() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        _ = await harness.reconciler().reconcile(try await harness.specs(), source: "test")
        try harness.directory.write("specs/providers.yaml", SpecSamples.file(
            SpecSamples.provider() + "\n  config: {latency: \"5ms\"}", SpecSamples.provider("es-bio-cloud")))
        let planned = try await harness.reconciler().plan(try await harness.specs())
        #expect(planned.plan.hasChanges && planned.plan.summary.isEmpty)
        #expect(planned.plan.providerChanges.map(\.id) == [ResourceID(.provider, "de-fra-cloud")])
        let text = PlanTextRenderer().render(planned.plan)
        #expect(text.contains("~ Provider/de-fra-cloud will be reconfigured"), "\(text)")
        #expect(text.contains("+ spec.config.latency = \"5ms\""), "\(text)")
        #expect(PlanMarkdownRenderer().render(planned.plan).contains("~ Provider/de-fra-cloud"))
        guard case .applied(_, let result?) = await harness.reconciler().reconcile(try await harness.specs(), source: "test") else { Issue.record("not applied"); return }
        #expect(result.succeeded)
        #expect(!(try await harness.reconciler().plan(try await harness.specs())).plan.hasChanges)
    }

    /// A saved plan executes only what was reviewed: applied with other specs, it is refused.
    @Test func aSavedPlanIsRefusedWhenTheSpecsChangedSince() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        let saved = try await harness.reconciler().plan(try await harness.specs()).plan
        try harness.directory.write("specs/fra.yaml", [SpecSamples.network(), SpecSamples.virtualMachine("web-1", cpu: "8"), SpecSamples.virtualMachine("web-2")]
            .joined(separator: "\n---\n"))
        let outcome = await harness.reconciler().apply(saved: saved, specs: try await harness.specs(), source: "plan.json")
        guard case .failed(let failure, _) = outcome else { Issue.record("not refused: \(outcome)"); return }
        #expect(failure.message.contains("the saved plan does not match the specs: VirtualMachine/web-1 differs from the specs"), "\(failure.message)")
        #expect(try await harness.world.objects().isEmpty)
    }

    /// Pointing a provider that has resources at another connection would lose them (they
    /// would look deleted there and be created again): refused, and nothing is forgotten.
    @Test func aProviderWithResourcesCannotChangeConnection() async throws {
        let harness = try EngineHarness()
        defer { harness.remove() }
        try harness.writeFleet()
        _ = await harness.reconciler().reconcile(try await harness.specs(), source: "test")
        try harness.directory.write("specs/providers.yaml", SpecSamples.file(
            SpecSamples.provider() + "\n  connection: elsewhere", SpecSamples.provider("es-bio-cloud")))
        let config = OperatorConfig(connections: ["elsewhere": Connection(name: "elsewhere", type: .sim)])
        let catalog = ProviderCatalog(factories: [SimProviderFactory(world: harness.world)], secretsDirectory: harness.directory.url, operatorConfig: config)
        let specs = try await ValidatedSpecs.load(harness.directory.url.appendingPathComponent("specs"), catalog: catalog)
        let outcome = await Reconciler(store: harness.store, catalog: catalog, options: ReconcileOptions(apply: .fast)).reconcile(specs, source: "test")
        guard case .refused(let refusal, _) = outcome else { Issue.record("not refused: \(outcome)"); return }
        #expect(refusal.diagnostics.map(\.message).contains { $0.contains("Provider/de-fra-cloud still has 3 resources on its current connection") }, "\(refusal.diagnostics)")
        #expect(try await harness.store.snapshot().resources.count == 5, "no record was dropped")
    }
}
