@testable import ContinuumApply
import ContinuumSpec
import ContinuumState
import Synchronization
import Testing

/// Group commit: writes that arrive while a commit runs share the next one; a failed
/// commit fails every write in it; scopes (shards' fences) never share a commit.
@Suite("Journal group commit")
struct JournalBatcherTests {
    /// The commits made, each with its writes' keys and the lease scope it ran under; the
    /// first commit waits for `open` to be signalled when `holdFirst` is set.
    final class Commits: Sendable {
        let made = Mutex<[(keys: [String], scope: ScopedFence?)]>([])
        let gate = AsyncGate()
        let holdFirst: Bool
        let failing: Set<String>
        /// Whether a failing commit is refused as fenced (the lease was taken over).
        let fenced: Bool

        init(holdFirst: Bool = false, failing: Set<String> = [], fenced: Bool = false) {
            self.holdFirst = holdFirst
            self.failing = failing
            self.fenced = fenced
        }

        var batches: [[String]] { made.withLock { $0.map(\.keys) } }

        func commit(_ writes: [JournalWrite]) async throws(StateError) {
            let keys = writes.map(Self.key)
            let first = made.withLock { made in
                made.append((keys, LeaseScope.current))
                return made.count == 1
            }
            if first, holdFirst { await gate.wait() }
            if keys.contains(where: failing.contains) {
                if fenced { throw StateError(.fenced, location: "test", message: "the lease was taken over", remedy: "step down") }
                throw StateError(.io, location: "test", message: "a record cannot be encoded", remedy: "fix the provider's outputs")
            }
        }

        static func key(_ write: JournalWrite) -> String {
            switch write {
            case .intent(let entry): entry.key
            case .completion(let key, _, _, _): key
            }
        }
    }

    /// Whether each write succeeded.
    final class Outcomes: Sendable {
        private let map = Mutex<[String: Bool]>([:])
        func set(_ key: String, _ ok: Bool) { map.withLock { $0[key] = ok } }
        var all: [String: Bool] { map.withLock { $0 } }
    }

    private static func intent(_ key: String) -> JournalWrite {
        .intent(JournalEntry(key: key, resource: ResourceID(.virtualMachine, key), operation: .create, provider: "p"))
    }

    /// Waits (yielding, on the batcher's own count) until `count` writes are queued under `scope`.
    private static func waitUntilQueued(_ batcher: JournalBatcher, _ count: Int, under scope: ScopedFence? = nil) async {
        while await batcher.queued(under: scope) < count { await Task.yield() }
    }

    @Test func writesArrivingDuringACommitShareTheNextOne() async throws {
        let commits = Commits(holdFirst: true)
        let batcher = JournalBatcher { writes throws(StateError) in try await commits.commit(writes) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await batcher.write(Self.intent("first")) }
            while commits.batches.isEmpty { await Task.yield() }
            for index in 0..<5 { group.addTask { try await batcher.write(Self.intent("next-\(index)")) } }
            await Self.waitUntilQueued(batcher, 5)
            await commits.gate.open()
            try await group.waitForAll()
        }
        let batches = commits.batches
        #expect(batches.count == 2)
        #expect(batches.first == ["first"])
        #expect(Set(batches.last ?? []) == Set((0..<5).map { "next-\($0)" }))
    }

    /// Runs "first" alone (its commit held), then `keys` together while it is held; returns
    /// whether each write succeeded.
    private static func batchAfterAHeldFirst(_ keys: [String], _ commits: Commits) async -> [String: Bool] {
        let batcher = JournalBatcher { writes throws(StateError) in try await commits.commit(writes) }
        let outcomes = Outcomes()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { outcomes.set("first", (try? await batcher.write(Self.intent("first"))) != nil) }
            while commits.batches.isEmpty { await Task.yield() }
            for key in keys { group.addTask { outcomes.set(key, (try? await batcher.write(Self.intent(key))) != nil) } }
            await Self.waitUntilQueued(batcher, keys.count)
            await commits.gate.open()
        }
        return outcomes.all
    }

    @Test func aWriteThatCannotBeWrittenFailsAloneAndTheOthersOfItsBatchAreWritten() async {
        let commits = Commits(holdFirst: true, failing: ["bad"])
        let outcomes = await Self.batchAfterAHeldFirst(["bad", "innocent"], commits)
        #expect(outcomes == ["first": true, "bad": false, "innocent": true])
        let batches = commits.batches
        #expect(batches.count == 4, "\(batches)")
        #expect(Set(batches[1]) == ["bad", "innocent"], "tried together first")
        #expect(Set(batches.suffix(2)) == [["bad"], ["innocent"]], "then each alone")
    }

    @Test func aFencedBatchFailsEveryWriteInItWithoutTryingThemAgain() async {
        let commits = Commits(holdFirst: true, failing: ["late"], fenced: true)
        let outcomes = await Self.batchAfterAHeldFirst(["late", "other"], commits)
        #expect(outcomes == ["first": true, "late": false, "other": false])
        #expect(commits.batches.count == 2, "\(commits.batches)")
    }

    @Test func writesUnderDifferentShardsNeverShareACommit() async throws {
        let commits = Commits(holdFirst: true)
        let batcher = JournalBatcher { writes throws(StateError) in try await commits.commit(writes) }
        let east = ScopedFence(lease: "shard/east", fence: LeaseFence(holder: "a", generation: 1))
        let west = ScopedFence(lease: "shard/west", fence: LeaseFence(holder: "a", generation: 4))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await LeaseScope.$current.withValue(east) { try await batcher.write(Self.intent("east-0")) } }
            while commits.batches.isEmpty { await Task.yield() }
            for index in 1...2 {
                group.addTask { try await LeaseScope.$current.withValue(east) { try await batcher.write(Self.intent("east-\(index)")) } }
                group.addTask { try await LeaseScope.$current.withValue(west) { try await batcher.write(Self.intent("west-\(index)")) } }
            }
            await Self.waitUntilQueued(batcher, 2, under: east)
            await commits.gate.open()
            try await group.waitForAll()
        }
        for commit in commits.made.withLock({ $0 }) {
            let shard = commit.scope?.fences.keys.first
            #expect(shard != nil)
            #expect(commit.keys.allSatisfy { $0.hasPrefix(shard == "shard/east" ? "east" : "west") }, "\(commit.keys) under \(shard ?? "none")")
        }
        #expect(commits.batches.flatMap { $0 }.count == 5)
    }

    @Test func withoutGroupingEachWriteIsACommitOfItsOwn() async throws {
        let commits = Commits()
        let batcher = JournalBatcher(grouping: false) { writes throws(StateError) in try await commits.commit(writes) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<6 { group.addTask { try await batcher.write(Self.intent("w\(index)")) } }
            try await group.waitForAll()
        }
        #expect(commits.batches.map(\.count) == [1, 1, 1, 1, 1, 1])
    }

    @Test func aBatchIsCutAtItsLargestSize() async throws {
        let commits = Commits(holdFirst: true)
        let batcher = JournalBatcher(maximumBatch: 3) { writes throws(StateError) in try await commits.commit(writes) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await batcher.write(Self.intent("first")) }
            while commits.batches.isEmpty { await Task.yield() }
            for index in 0..<7 { group.addTask { try await batcher.write(Self.intent("w\(index)")) } }
            await Self.waitUntilQueued(batcher, 7)
            await commits.gate.open()
            try await group.waitForAll()
        }
        #expect(commits.batches.map(\.count) == [1, 3, 3, 1])
    }
}

/// A one-shot gate: `wait()` returns once `open()` was called.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        guard !isOpen else { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
