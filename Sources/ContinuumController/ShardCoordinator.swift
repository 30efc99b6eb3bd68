import ContinuumApply
import ContinuumEngine
import ContinuumState
import Foundation
import Logging

/// A replica's share of a sharded fleet: it announces itself with a membership lease
/// (`member/HOLDER`), and holds shard leases (`shard/NAME`) up to a fair share,
/// ceil(shards / live replicas): it takes free or lapsed shards while under it and releases
/// its surplus (between reconciles) while over it, so a replica joining gets work and a dead
/// one's shards are taken over once their leases lapse. Each shard lease's generation fences
/// the writes made for it (`ShardOwnership`, `LeaseScope`).
actor ShardCoordinator {
    /// What a balance or renewal changed.
    struct Changes: Sendable {
        var acquired: [String] = []
        var released: [String] = []
        var lost: [String] = []
        /// Why a shard was lost (the first one's error), if one was.
        var loss: StateError?
        /// Why a held shard could not be renewed (the store did not answer), if one could not.
        var failure: StateError?
    }

    let store: any StateStore
    let map: ShardMap
    let holder: String
    let policy: LeasePolicy
    let metrics: ControllerMetrics
    let logger: Logger
    /// The shards held, with their fences.
    private(set) var held: [String: LeaseFence] = [:]
    /// Every shard of the fleet, as last set from the specs and the state.
    private(set) var shards: [String] = []
    private var memberFence: LeaseFence?
    /// When this replica first announced itself: it takes shards only a retry period
    /// later, so that replicas starting together see one another before sharing out.
    private var announcedAt: ContinuousClock.Instant?
    /// When every shard held was last renewed (or this replica held none): a replica that
    /// could not renew for the renew deadline steps down.
    private(set) var renewedAt: ContinuousClock.Instant = .now
    /// The lease table as last read, for the status.
    private(set) var table: (shards: [ShardHolding], replicas: [String]) = ([], [])

    init(store: any StateStore, map: ShardMap, holder: String, policy: LeasePolicy, metrics: ControllerMetrics, logger: Logger) {
        self.store = store
        self.map = map
        self.holder = holder
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
    }

    static let memberPrefix = "member/"

    /// How long a membership lease stays after it lapsed before a balance removes it: ten
    /// lease durations (150 s by default), long after its replica's shards were taken over.
    static let membershipRetention = 10

    /// Sets the fleet's shards from the providers of the specs and of the state.
    func setShards(providers: some Sequence<String>) {
        shards = map.shards(of: providers)
    }

    /// The shards held and this replica's membership, for one reconcile.
    func ownership() -> ShardOwnership {
        ShardOwnership(map: map, held: held, membership: memberFence.map { ScopedFence(lease: Self.memberPrefix + holder, fence: $0) })
    }

    /// Announces this replica and renews the shards it holds; reports those lost (another
    /// replica took them over while this one was paused) and whether a renewal failed.
    @discardableResult
    func renew() async -> Changes {
        var changes = Changes()
        await heartbeat()
        for (shard, fence) in held.sorted(by: { $0.key < $1.key }) {
            do throws(StateError) {
                held[shard] = try await store.takeLease(ShardMap.leaseName(shard), holder: holder, for: policy.duration, renewing: fence)
            } catch where error.code == .fenced || error.code == .locked {
                held[shard] = nil
                changes.lost.append(shard)
                changes.loss = changes.loss ?? error
                logger.warning("lost a shard: another replica took it over", metadata: ["shard": "\(shard)", "error": "\(error)"])
            } catch {
                changes.failure = changes.failure ?? error  // the store is unreachable for now: the next renewal tries again
            }
        }
        if changes.failure == nil { renewedAt = .now }
        record(changes)
        return changes
    }

    /// Renews the shards held every retry period while a cycle runs (`LeaseRenewal`):
    /// `onLost` is called once when one is lost, or none could be renewed for the deadline.
    func renewal(onLost: @escaping @Sendable (StateError) -> Void) -> LeaseRenewal {
        LeaseRenewal.start(policy: policy, renewedAt: renewedAt, lease: "the shards of \(holder)", holder: holder, renew: { [self] in
            let changes = await renew()
            if let loss = changes.loss { return .lost(loss) }
            if let failure = changes.failure { return .failed(failure) }
            return .renewed
        }, onLost: onLost)
    }

    /// Gives up every shard held (the renew deadline passed without a renewal): each is
    /// released when the store answers, so that another replica takes it over at once, and
    /// none is worked on here until balanced again.
    func stepDown() async -> Changes {
        var changes = Changes()
        for shard in held.keys.sorted() {
            try? await store.releaseLease(ShardMap.leaseName(shard), holder: holder)
            changes.released.append(shard)
        }
        held = [:]
        renewedAt = .now
        record(changes)
        return changes
    }

    /// Renews, then moves toward the fair share: releases surplus shards (only between
    /// reconciles: none of their operations is in flight) and takes free or lapsed ones.
    func balance() async -> Changes {
        var changes = await renew()
        if changes.failure != nil, !held.isEmpty, ContinuousClock.now - renewedAt >= policy.renewDeadline {
            logger.warning("stepping down: the shards held could not be renewed within the renew deadline", metadata: ["error": "\(changes.failure.map { "\($0)" } ?? "")"])
            let given = await stepDown()
            changes.released += given.released
        }
        guard let leases = try? await store.leases() else { return changes }
        let now = Date().timeIntervalSince1970
        let members = Set(leases.filter { $0.name.hasPrefix(Self.memberPrefix) && $0.isHeld(at: now) }.compactMap { $0.lock?.holder }).union([holder])
        let share = shards.isEmpty ? 0 : (shards.count + members.count - 1) / members.count
        let floor = shards.count / members.count
        let known = Set(shards)
        // Shards no longer in the fleet are released at once; then the surplus over the
        // share, last first; and one over the floor while another replica is under it (its
        // share would otherwise stay held by replicas at their ceiling).
        var surplus = held.keys.filter { !known.contains($0) }.sorted()
        let kept = held.keys.filter { known.contains($0) }.sorted()
        let holdings = Dictionary(grouping: leases.filter { ShardMap.shard(ofLease: $0.name).map(known.contains) ?? false && $0.isHeld(at: now) }) {
            $0.lock?.holder ?? ""
        }.mapValues(\.count)
        let starved = members.contains { holdings[$0, default: 0] < floor } && !shards.contains { shard in
            !(leases.first { $0.name == ShardMap.leaseName(shard) }?.isHeld(at: now) ?? false)
        }
        if kept.count > share {
            surplus += kept.suffix(kept.count - share)
        } else if starved, kept.count > floor {
            surplus += kept.suffix(kept.count - floor)
        }
        for shard in surplus {
            try? await store.releaseLease(ShardMap.leaseName(shard), holder: holder)
            held[shard] = nil
            changes.released.append(shard)
        }
        if held.count < share, let announcedAt, ContinuousClock.now - announcedAt >= policy.retryPeriod {
            let byName = Dictionary(leases.map { ($0.name, $0) }) { first, _ in first }
            // Start at a place of this replica's own, so replicas joining together try
            // different shards first.
            let free = shards.filter { held[$0] == nil && !(byName[ShardMap.leaseName($0)]?.isHeld(at: now) ?? false) }
            let offset = free.isEmpty ? 0 : Int(ShardMap.stableHash(holder) % UInt64(free.count))
            for shard in free[offset...] + free[..<offset] where held.count < share {
                do throws(StateError) {
                    held[shard] = try await store.takeLease(ShardMap.leaseName(shard), holder: holder, for: policy.duration, renewing: nil)
                    changes.acquired.append(shard)
                    logger.notice("took a shard", metadata: ["shard": "\(shard)", "generation": "\(held[shard]?.generation ?? 0)", "share": "\(share)"])
                } catch {
                    continue  // another replica took it first
                }
            }
        }
        record(changes)
        await removeGoneMembers(leases, now: now)
        await readTable()
        return changes
    }

    /// Removes the membership leases of replicas that are gone: released (stopped), or
    /// lapsed more than `membershipRetention` lease durations ago. Only when the leases read
    /// show one (a write transaction is not made every balance); the store removes only rows
    /// still released or lapsed that long in its own transaction, so a replica that came
    /// back meanwhile (it re-announced) keeps its row, and one that comes back later simply
    /// announces itself again.
    private func removeGoneMembers(_ leases: [NamedLease], now: Double) async {
        let retention = policy.duration * Self.membershipRetention
        let gone = leases.contains { lease in
            lease.name.hasPrefix(Self.memberPrefix) && lease.name != Self.memberPrefix + holder
                && (lease.lock.map { $0.expiresAt.timeIntervalSince1970 < now - retention.timeInterval } ?? true)
        }
        guard gone else { return }
        do throws(StateError) {
            let removed = try await store.removeLapsedLeases(prefix: Self.memberPrefix, lapsedFor: retention)
            if !removed.isEmpty { logger.info("removed the memberships of replicas that are gone", metadata: ["leases": "\(removed.joined(separator: ","))"]) }
        } catch {
            logger.warning("cannot remove the memberships of replicas that are gone", metadata: ["error": "\(error)"])
        }
    }

    /// Releases every shard and the membership, so others take them over at once.
    func releaseAll() async {
        for shard in held.keys.sorted() { try? await store.releaseLease(ShardMap.leaseName(shard), holder: holder) }
        record(Changes(released: held.keys.sorted()))
        held = [:]
        try? await store.releaseLease(Self.memberPrefix + holder, holder: holder)
        memberFence = nil
    }

    private func heartbeat() async {
        do throws(StateError) {
            memberFence = try await store.takeLease(Self.memberPrefix + holder, holder: holder, for: policy.duration, renewing: nil)
            if announcedAt == nil { announcedAt = .now }
        } catch {
            logger.warning("cannot announce this replica", metadata: ["error": "\(error)"])
        }
    }

    private func readTable() async {
        guard let leases = try? await store.leases() else { return }
        let now = Date().timeIntervalSince1970
        let byName = Dictionary(leases.map { ($0.name, $0) }) { first, _ in first }
        let holdings = shards.map { shard -> ShardHolding in
            let lease = byName[ShardMap.leaseName(shard)]
            let live = lease?.isHeld(at: now) ?? false
            return ShardHolding(
                shard: shard, holder: live ? lease?.lock?.holder : nil, generation: lease?.generation ?? 0, expiresAt: live ? lease?.lock?.expiresAt : nil,
                here: held[shard] != nil)
        }
        let replicas = leases.filter { $0.name.hasPrefix(Self.memberPrefix) && $0.isHeld(at: now) }.compactMap { $0.lock?.holder }.sorted()
        table = (holdings, replicas)
    }

    private func record(_ changes: Changes) {
        for shard in changes.acquired { metrics.shardOwned(shard, true); metrics.leaseTransition("acquired") }
        for shard in changes.released { metrics.shardOwned(shard, false); metrics.leaseTransition("released") }
        for shard in changes.lost { metrics.shardOwned(shard, false); metrics.leaseTransition("lost") }
    }
}
