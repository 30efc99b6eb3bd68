@testable import ContinuumController
import ContinuumApply
import ContinuumEngine
import ContinuumState
import ContinuumTesting
import Logging
import Prometheus
import Testing

/// Replicas sharing shards through the state store: each takes a fair share, a joining one
/// gets its share from the others' surplus, a stopped one's shards go to the others, and a
/// replica paused past its leases loses them.
@Suite("Shard coordinator")
struct ShardCoordinatorTests {
    static let shards = (0..<7).map { "p\($0)" }

    static func replica(
        _ name: String, on store: InMemoryStateStore, lease: Duration = .seconds(60), policy: LeasePolicy? = nil, through connection: (any StateStore)? = nil
    ) async -> (ShardCoordinator, PrometheusCollectorRegistry) {
        let registry = PrometheusCollectorRegistry()
        let coordinator = ShardCoordinator(
            store: connection ?? store.connection(), map: ShardMap(), holder: name,
            policy: policy ?? LeasePolicy(duration: lease, renewDeadline: lease * 2 / 3, retryPeriod: .milliseconds(1)),
            metrics: ControllerMetrics(factory: PrometheusMetricsFactory(registry: registry)), logger: Logger(label: "test"))
        await coordinator.setShards(providers: shards)
        await coordinator.renew()
        return (coordinator, registry)
    }

    /// Balances every replica until `condition` holds on their shard counts (a safety net
    /// of 2,000 rounds; each round is a balance of each, no clock involved but the 1 ms
    /// announcement interval).
    static func balance(_ replicas: [ShardCoordinator], until condition: ([Int]) -> Bool) async throws -> [Int] {
        var counts: [Int] = []
        for _ in 0..<2_000 {
            counts = []
            for replica in replicas {
                _ = await replica.balance()
                counts.append(await replica.held.count)
            }
            if condition(counts) { return counts }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("the replicas did not reach the expected shares: \(counts)")
        return counts
    }

    @Test func replicasTakeFairSharesAndAJoiningOneGetsTheSurplus() async throws {
        let store = InMemoryStateStore()
        let (a, registry) = await Self.replica("a", on: store)
        let (b, _) = await Self.replica("b", on: store)
        let two = try await Self.balance([a, b]) { $0.reduce(0, +) == 7 && $0.max() == 4 }
        #expect(two.sorted() == [3, 4], "ceil(7/2) = 4: one holds four, the other three")
        let (c, _) = await Self.replica("c", on: store)
        let three = try await Self.balance([a, b, c]) { $0.reduce(0, +) == 7 && $0.max() == 3 && $0.min() == 2 }
        #expect(three.sorted() == [2, 2, 3], "ceil(7/3) = 3")
        let heldA = Set(await a.held.keys), heldB = Set(await b.held.keys), heldC = Set(await c.held.keys)
        #expect(heldA.isDisjoint(with: heldB) && heldB.isDisjoint(with: heldC) && heldA.isDisjoint(with: heldC), "no shard has two holders")
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains("continuum_shard_owned{shard=\"p"))
        #expect(text.contains("continuum_lease_transitions_total{transition=\"acquired\"}"))

        await c.releaseAll()
        let back = try await Self.balance([a, b]) { $0.reduce(0, +) == 7 }
        #expect(back.sorted() == [3, 4], "a stopped replica's shards are taken at once")
    }

    @Test func aReplicaPausedPastItsLeasesLosesThemAndTheOthersTakeThemOver() async throws {
        let store = InMemoryStateStore()
        let (paused, _) = await Self.replica("paused", on: store, lease: .milliseconds(50))
        _ = try await Self.balance([paused]) { $0 == [7] }
        let before = await paused.ownership()
        let (next, _) = await Self.replica("next", on: store)
        _ = try await Self.balance([next]) { $0 == [7] }
        let lost = await paused.renew()
        #expect(lost.lost.sorted() == Self.shards, "every shard was taken over while it was paused")
        #expect(await paused.held.isEmpty)
        let taken = await next.ownership()
        for shard in Self.shards { #expect((taken.held[shard]?.generation ?? 0) > (before.held[shard]?.generation ?? 0)) }
    }

    @Test func aReplicaWhoseStoreStopsAnsweringStepsDownAfterTheRenewDeadlineAndComesBack() async throws {
        let store = InMemoryStateStore()
        let severed = SeveredStateStore(store.connection())
        let policy = LeasePolicy(duration: .seconds(3), renewDeadline: .seconds(2), retryPeriod: .milliseconds(1))
        let (cut, _) = await Self.replica("cut", on: store, policy: policy, through: severed)
        _ = try await Self.balance([cut]) { $0 == [7] }
        severed.sever()
        // Balances (as the controller's loop makes them) until it gave its shards up: it
        // keeps them while the deadline has not passed, and never works on past it.
        var released: [String] = []
        for _ in 0..<120_000 where await !cut.held.isEmpty {
            released += await cut.balance().released
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(await cut.held.isEmpty, "it stepped down")
        #expect(released.sorted() == Self.shards)
        #expect(await cut.ownership().held.isEmpty, "a reconcile now starts no operation of any shard")
        severed.restore()
        _ = try await Self.balance([cut]) { $0 == [7] }
        #expect(Set(try await store.leases().filter { $0.name.hasPrefix("shard/") }.compactMap { $0.lock?.holder }) == ["cut"], "back, it takes its share again")
    }

    @Test func aRenewalWhileACycleRunsReportsTheDeadline() async throws {
        let store = InMemoryStateStore()
        let severed = SeveredStateStore(store.connection())
        let policy = LeasePolicy(duration: .seconds(3), renewDeadline: .seconds(2), retryPeriod: .milliseconds(200))
        let (cut, _) = await Self.replica("cut", on: store, policy: policy, through: severed)
        _ = try await Self.balance([cut]) { $0 == [7] }
        let lost = AsyncStream<StateError>.makeStream()
        let renewal = await cut.renewal(onLost: { lost.continuation.yield($0) })
        defer { renewal.cancel() }
        severed.sever()
        var iterator = lost.stream.makeAsyncIterator()
        #expect(await iterator.next()?.code == .renewDeadlineExceeded)
    }

    @Test func theMembershipsOfReplicasThatAreGoneAreRemovedAndAReturningOneAnnouncesItselfAgain() async throws {
        let store = InMemoryStateStore()
        // Leases of 50 ms: a membership lapsed ten of them ago (500 ms) is removed.
        let (a, _) = await Self.replica("a", on: store, lease: .milliseconds(50))
        let (killed, _) = await Self.replica("killed", on: store, lease: .milliseconds(50))
        let (stopped, _) = await Self.replica("stopped", on: store, lease: .milliseconds(50))
        await stopped.releaseAll()
        func members() async throws -> Set<String> { Set(try await store.leases().map(\.name).filter { $0.hasPrefix("member/") }) }
        #expect(try await members() == ["member/a", "member/killed", "member/stopped"])
        _ = await a.balance()
        #expect(try await members() == ["member/a", "member/killed"], "a released membership goes at the next balance")
        // `killed` never renews again: its row goes once it lapsed long enough; `a` keeps its own.
        for _ in 0..<120_000 where try await members().contains("member/killed") {
            _ = await a.balance()
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(try await members() == ["member/a"])
        await killed.renew()
        #expect(try await members() == ["member/a", "member/killed"], "back, it announces itself again")
    }
}
