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

        init(holdFirst: Bool = false, failing: Set<String> = []) {
            self.holdFirst = holdFirst
            self.failing = failing
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
                throw StateError(.io, location: "test", message: "the disk is full", remedy: "free some space")
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

    @Test func aFailedCommitFailsEveryWriteInItAndTheNextCommitStillRuns() async throws {
        let commits = Commits(holdFirst: true, failing: ["bad"])
        let batcher = JournalBatcher { writes throws(StateError) in try await commits.commit(writes) }
        let outcomes = Outcomes()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let ok = (try? await batcher.write(Self.intent("first"))) != nil
                outcomes.set("first", ok)
            }
            while commits.batches.isEmpty { await Task.yield() }
            for key in ["bad", "innocent"] {
                group.addTask {
                    let ok = (try? await batcher.write(Self.intent(key))) != nil
                    outcomes.set(key, ok)
                }
            }
            await Self.waitUntilQueued(batcher, 2)
            await commits.gate.open()
        }
        #expect(outcomes.all == ["first": true, "bad": false, "innocent": false])
        try await batcher.write(Self.intent("later"))
        #expect(commits.batches.last == ["later"])
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
