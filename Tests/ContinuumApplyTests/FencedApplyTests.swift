import ContinuumApply
import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// An applier whose lease another took over (it was paused past its expiry) stops: its
/// journal writes are fenced, so it makes no provider call and starts nothing more.
@Suite("Apply under a lease taken over")
struct FencedApplyTests {
    @Test func anApplierWhoseLeaseWasTakenOverStopsWithoutCallingAProvider() async throws {
        let harness = try ApplyHarness(Fleet.files)
        defer { harness.remove() }
        let plan = try await harness.plan()
        try await harness.store.lock(holder: "paused applier", for: .milliseconds(1))
        let next = SQLiteStateStore(path: harness.directory.url.appendingPathComponent("state.db").path)
        try await next.takeOver(holder: "next applier")
        let stop = StopSignal()
        let result = try await Executor(options: ApplyOptions(parallelism: 1)).apply(
            plan, resources: try harness.loaded().resources, store: harness.store, registry: harness.registry(), stop: stop)
        #expect(stop.isStopped, "the fenced write stopped the apply")
        #expect(result.interrupted)
        #expect(result.failures == 1, "only the operation whose intent was refused failed; nothing else started")
        #expect(result.report.actions.contains { $0.error?.contains("was taken over") ?? false })
        #expect(try await harness.world.objects().isEmpty, "no provider call was made")
        #expect(try await next.snapshot().resources.isEmpty)
        #expect(try await next.pendingIntents().isEmpty, "the paused applier journalled nothing")
    }

}
