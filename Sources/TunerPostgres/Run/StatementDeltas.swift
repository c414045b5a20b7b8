import Foundation
import TunerCore

/// What a load did to pg_stat_statements: the difference of two `StatementStatisticsReader.snapshot`s.
public enum StatementDeltas {
    /// What happened between two readings: per statement, the difference (statements that did not run are left out).
    public static func delta(before: [String: QueryStats], after: [String: QueryStats]) -> [QueryStats] {
        after.values.compactMap { now in
            let then = before[now.queryID]
            let calls = now.calls - (then?.calls ?? 0)
            // A reset between the snapshots makes the difference negative: then the later figure is the delta.
            guard calls != 0 else { return nil }
            if calls < 0 { return now }
            let total = now.totalMilliseconds - (then?.totalMilliseconds ?? 0)
            let mean = total / Double(calls)
            return QueryStats(
                queryID: now.queryID, query: now.query, calls: calls, totalMilliseconds: total,
                meanMilliseconds: mean, rows: now.rows - (then?.rows ?? 0),
                sharedBlocksHit: now.sharedBlocksHit - (then?.sharedBlocksHit ?? 0),
                sharedBlocksRead: now.sharedBlocksRead - (then?.sharedBlocksRead ?? 0),
                tempBlocksWritten: now.tempBlocksWritten - (then?.tempBlocksWritten ?? 0),
                stddevMilliseconds: spread(now, then, calls: Double(calls), mean: mean))
        }
        .sorted { $0.totalMilliseconds > $1.totalMilliseconds }
    }

    /// The standard deviation of the calls between two readings, from each reading's count, mean and
    /// standard deviation (sums of squares subtract as counts and totals do).
    static func spread(_ now: QueryStats, _ then: QueryStats?, calls: Double, mean: Double) -> Double? {
        guard let sdNow = now.stddevMilliseconds else { return nil }
        func squares(_ q: QueryStats, _ sd: Double) -> Double { Double(q.calls) * (sd * sd + q.meanMilliseconds * q.meanMilliseconds) }
        var sum = squares(now, sdNow)
        if let then {
            guard let sdThen = then.stddevMilliseconds else { return nil }
            sum -= squares(then, sdThen)
        }
        return (max(sum / calls - mean * mean, 0)).squareRoot()
    }
}
