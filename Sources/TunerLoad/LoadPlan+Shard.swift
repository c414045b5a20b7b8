import Foundation
import TunerCore

extension LoadPlan {
    /// This plan as shard `shard` of a distributed run whose every shard counts its schedule and per-second series
    /// from `startAt` (when given; a plan without a shard may be given a start time too). Each shard runs its exact
    /// share (see `Shard`); a closed workload's connections and an open workload's pool must leave every shard at
    /// least one.
    public func sharded(_ shard: Shard?, startAt: Date?) throws(LoadError) -> LoadPlan {
        for workload in scenario.workloads {
            let connections = workload.model == .closed ? Int(workload.peak.rounded(.down)) : workload.connections
            if let shard, shard.count > connections {
                throw LoadError("workload '\(workload.name)' has \(connections) connection\(connections == 1 ? "" : "s"),"
                    + " fewer than the \(shard.count) shards: every shard needs at least one")
            }
        }
        var plan = self
        plan.shard = shard
        plan.startAt = startAt
        return plan
    }

    /// The share of the event loops' schedule this process runs: loop `loop` of `loops`, inside its shard when
    /// there is one (shard I's loops take the events I, I + N, I + 2N, … between them).
    func share(loop: Int, of loops: Int) -> (index: Int, count: Int) {
        guard let shard else { return (loop, loops) }
        return (shard.index + shard.count * loop, shard.count * loops)
    }

    /// The fraction of the whole plan's rate this process sends.
    var rateFraction: Double { shard.map { 1 / Double($0.count) } ?? 1 }

    /// What the result records of the shard (its skew is filled in when the loops have started).
    var shardRecord: ShardRecord? {
        shard.map { ShardRecord(shard: $0, plan: fingerprint, startAt: startAt) }
    }

    /// Identifies the plan across processes and machines: a hash of the scenario as read, with every option that
    /// shapes the load (the shard and the start time are not in the scenario). FNV-1a, 64 bits, in hex.
    static func fingerprint(of scenario: Scenario) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in String(reflecting: scenario).utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
