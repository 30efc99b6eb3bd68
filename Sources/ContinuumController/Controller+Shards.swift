import ContinuumApply
import ContinuumEngine
import ContinuumSpec
import ContinuumState
import Foundation
import Logging

/// The controller's side of a sharded fleet: what a change of shards means for the loop.
extension Controller {
    /// After a balance: a shard taken over has a journal to recover and work to do, so a
    /// reconcile is due soon; the status and `leader` (holds any shard) follow.
    func shardsChanged(_ changes: ShardCoordinator.Changes) {
        if !changes.acquired.isEmpty || !changes.lost.isEmpty || !changes.released.isEmpty {
            logger.info("shards changed", metadata: [
                "acquired": "\(changes.acquired.joined(separator: ","))", "released": "\(changes.released.joined(separator: ","))",
                "lost": "\(changes.lost.joined(separator: ","))",
            ])
        }
        if !changes.acquired.isEmpty {
            policy.workPending()
            pollSoon = true
            Task { await wakeup.fire() }
        }
    }

    /// Reads what the coordinator holds into the status.
    func refreshShardTable() async {
        guard let shardCoordinator else { return }
        shardTable = await shardCoordinator.table
        leader = await !shardCoordinator.held.isEmpty
    }

    /// Sets the fleet's shards from `target`'s providers and the state's, and balances.
    func balanceShards(for target: DesiredCommit) async {
        guard let shardCoordinator else { return }
        var providers = Set(target.specs.resources.lazy.filter { $0.id.kind != .provider }.compactMap(\.spec.providerName))
        if let snapshot = try? await store.snapshot() { providers.formUnion(snapshot.resources.map(\.provider)) }
        await shardCoordinator.setShards(providers: providers)
        shardsChanged(await shardCoordinator.balance())
        await refreshShardTable()
    }
}
