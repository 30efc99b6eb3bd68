import ContinuumController
import ContinuumEngine
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// A newer commit pre-empts an apply that waits: a readiness that never comes does not
/// block the fix (kustomize-controller#701). The wait is cut short, the operation in
/// flight finishes and is recorded, and the newer commit is reconciled at once.
@Suite("Pre-emption by a newer commit", .serialized)
struct PreemptionTests {
    /// How the newer commit is found: by the interval's poll, or by a trigger (a webhook).
    enum Discovery: String, CaseIterable, Sendable {
        case poll
        case trigger
    }

    /// A site whose virtual machines never become ready (within the test), beside the
    /// ordinary one of `Fleet`.
    static func files(vms: [String], stuck: String) -> [String: String] {
        var files = Fleet.files(vms: vms)
        files["specs/slow-site.yaml"] = SpecSamples.file(
            """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata:
              name: slow-site
            spec:
              type: sim
              site: de-ber
              config:
                readyAfter:
                  VirtualMachine: 24h
            """,
            SpecSamples.network("ber-edge", provider: "slow-site", cidr: "10.30.0.0/24"),
            SpecSamples.virtualMachine(stuck, provider: "slow-site", networks: ["Network/ber-edge"]))
        return files
    }

    @Test(arguments: Discovery.allCases)
    func aNewerCommitPreemptsAReadinessThatNeverComes(discovery: Discovery) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let first = try repository.commit(Self.files(vms: ["web-1"], stuck: "stuck-1"))
        let harness = try await ControllerHarness(directory: directory, repository: repository) {
            // Polled every second, or (for the trigger) never within the test.
            $0.interval = discovery == .poll ? .seconds(1) : .seconds(24 * 3600)
        }
        // The apply is under way: stuck-1's create is journalled; it then waits for readiness.
        let store = harness.controller.store
        try await Self.waitUntilJournalled("stuck-1", in: store)

        let second = try repository.commit(Self.files(vms: ["web-1", "web-2"], stuck: "stuck-1"), message: "add web-2")
        if discovery == .trigger { await harness.controller.trigger() }
        let status = try await harness.waitForStatus { $0.lastAppliedCommit == second }
        let preempted = try await harness.metric("continuum_reconcile_total", labels: "result=\"preempted\"")
        await harness.stop()

        #expect(status.lastAppliedCommit == second, "the newer commit was applied although stuck-1 never became ready")
        #expect(status.phase == .ready)
        #expect(status.lastReconcile?.plan?.add == 1, "only web-2 was left to create: \(String(describing: status.lastReconcile))")
        #expect(preempted == 1)
        if discovery == .poll { #expect(status.triggers?.received ?? 0 == 0, "the poll found the newer commit") }
        // The operation in flight finished and was recorded: stuck-1 exists, once.
        let state = try await store.snapshot()
        let stuck = state.resources.filter { $0.id.name == "stuck-1" }
        #expect(stuck.count == 1 && stuck.first?.providerID != nil, "stuck-1 was recorded: \(stuck)")
        #expect(try await store.pendingIntents().isEmpty, "nothing is left unsettled")
        #expect(state.resources.map(\.id.name).sorted() == ["ber-edge", "fra-edge", "stuck-1", "web-1", "web-2"])
        let history = try await store.history(limit: 10)
        #expect(history.contains { $0.source == "commit \(first.prefix(12))" && $0.outcome.hasPrefix("interrupted") }, "\(history.map { ($0.source, $0.outcome) })")
    }

    @Test func shutdownCutsAReadinessWaitShortAndRecordsTheOperation() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(Self.files(vms: ["web-1"], stuck: "stuck-1"))
        let harness = try await ControllerHarness(directory: directory, repository: repository)
        let store = harness.controller.store
        try await Self.waitUntilJournalled("stuck-1", in: store)
        // Without the cut, this would wait out the readiness (a day) or the attempt timeout.
        await harness.stop()
        let stuck = try await store.snapshot().resources.filter { $0.id.name == "stuck-1" }
        #expect(stuck.count == 1 && stuck.first?.providerID != nil, "stuck-1 was recorded: \(stuck)")
        #expect(try await store.pendingIntents().isEmpty, "nothing is left unsettled")
        #expect(try await store.currentLock() == nil, "the lock was released")
    }

    /// Waits until `resource`'s operation is journalled (started, not finished).
    static func waitUntilJournalled(_ resource: String, in store: any StateStore) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while try await !store.pendingIntents().contains(where: { $0.resource.name == resource }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await store.pendingIntents().contains { $0.resource.name == resource }, "\(resource)'s operation started")
    }
}

/// controller-runtime's renew deadline: a leader whose store stops answering while an
/// operation waits gives up: the wait is cut, nothing new starts, and it stands by; when the
/// store answers again it takes the lease back.
@Suite("Renew deadline", .serialized)
struct RenewDeadlineTests {
    @Test func aLeaderWhoseStoreStopsAnsweringStepsDownAndComesBack() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(PreemptionTests.files(vms: ["web-1"], stuck: "stuck-1"))
        let store = SeveredStateStore(SQLiteStateStore(path: directory.url.appendingPathComponent("state.db").path))
        let harness = try await ControllerHarness(directory: directory, repository: repository) {
            $0.store = store
            $0.interval = .seconds(24 * 3600)
            $0.lease = LeasePolicy(duration: .seconds(3), renewDeadline: .seconds(2), retryPeriod: .milliseconds(500))
        }
        // The apply is under way: stuck-1's create is journalled; it then waits for readiness (a day).
        try await PreemptionTests.waitUntilJournalled("stuck-1", in: store)
        store.sever()
        let down = try await harness.waitForStatus { $0.phase == .standby && !$0.leader }
        let lost = try await harness.metric("continuum_lease_transitions_total", labels: "transition=\"lost\"")
        #expect(down.phase == .standby && !down.leader, "it stepped down: \(down.message)")
        #expect(lost >= 1)
        store.restore()
        let back = try await harness.waitForStatus { $0.leader }
        await harness.stop()
        #expect(back.leader, "the store answers again: it takes the lease back")
        let stuck = try await store.snapshot().resources.filter { $0.id.name == "stuck-1" }
        #expect(stuck.count <= 1, "stuck-1 was never recorded twice: \(stuck)")
    }
}
