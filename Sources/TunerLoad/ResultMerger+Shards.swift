import Foundation
import TunerCore

extension ResultMerger {
    /// Refuses shard results that are not one whole: shards of different plans, of different sizes or start times,
    /// a shard given twice, shards missing, or shard results mixed with results of whole runs. `sources` name the
    /// results in the errors (their files), in the same order.
    static func checkShards(_ results: [LoadResult], sources: [String]) throws(LoadError) {
        let name = { (index: Int) in index < sources.count ? sources[index] : "result \(index + 1)" }
        let sharded = results.indices.filter { results[$0].shard != nil }
        guard !sharded.isEmpty else { return }
        if let whole = results.indices.first(where: { results[$0].shard == nil }) {
            throw LoadError("\(name(whole)) is not a shard (it ran without --shard) but \(name(sharded[0])) is; merge the shards of one run")
        }
        let first = results[sharded[0]].shard!
        for index in sharded.dropFirst() {
            let shard = results[index].shard!
            if shard.plan != first.plan {
                throw LoadError("\(name(index)) ran another plan than \(name(sharded[0])) (fingerprint \(shard.plan), not \(first.plan)):"
                    + " every shard must run the same scenario with the same options")
            }
            if shard.count != first.count {
                throw LoadError("\(name(index)) is a shard of \(shard.count) but \(name(sharded[0])) one of \(first.count)")
            }
            if shard.startAt != first.startAt {
                throw LoadError("\(name(index)) started its clock at \(Self.describe(shard.startAt)) but \(name(sharded[0])) at"
                    + " \(Self.describe(first.startAt)): shards of one run share one --start-at")
            }
        }
        var seen: [Int: Int] = [:]
        for index in sharded {
            let shard = results[index].shard!.index
            if let earlier = seen[shard] {
                throw LoadError("shard \(shard)/\(first.count) is given twice (\(name(earlier)) and \(name(index)))")
            }
            seen[shard] = index
        }
        let missing = (0..<first.count).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw LoadError("\(missing.count) of \(first.count) shards missing: "
                + missing.prefix(10).map { "\($0)/\(first.count)" }.joined(separator: ", ")
                + (missing.count > 10 ? ", …" : "") + "; merge every shard's result")
        }
    }

    private static func describe(_ date: Date?) -> String {
        guard let date else { return "its own start (no --start-at)" }
        return ISO8601DateFormatter().string(from: date)
    }

    /// The database section of the one result that observed the database (the lowest shard when several did).
    static func observedDatabase(_ results: [LoadResult]) -> (DatabaseRun?, [String]) {
        let observed = results.enumerated().filter { $0.element.database != nil }
            .sorted { ($0.element.shard?.index ?? $0.offset) < ($1.element.shard?.index ?? $1.offset) }
        guard let first = observed.first else { return (nil, []) }
        let note = observed.count > 1
            ? ["\(observed.count) results observed the database; the database section is the first one's (the others saw the same database)"]
            : []
        return (first.element.database, note)
    }

    /// Start skews of the shards: the largest, for the merged result's notes.
    static func skewNote(_ results: [LoadResult]) -> String? {
        let skews = results.compactMap { $0.shard?.startSkewMilliseconds }
        guard let worst = skews.max(), results.first?.shard?.startAt != nil else { return nil }
        return "\(results.count) shards on one clock: the latest started \(NumberFormat.millis(worst)) after the common start"
    }
}
