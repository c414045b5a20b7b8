import Foundation
import TunerCore

/// Reads pg_stat_statements for the current database, leaving Tuner's own statements out.
public enum StatementStatistics {
    /// All statements of the current database with their cumulative figures.
    public static func read(_ session: DatabaseSession) async throws(DatabaseError) -> [QueryStats] {
        let sql = """
            SELECT s.queryid::text AS queryid, s.query, s.calls, s.total_exec_time AS total, s.mean_exec_time AS mean,
                   s.rows, s.shared_blks_hit, s.shared_blks_read, s.temp_blks_written
            FROM pg_stat_statements s
            WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND s.query NOT LIKE '\(DatabaseSession.marker.trimmingCharacters(in: .whitespaces))%'
              AND s.queryid IS NOT NULL
            """
        return try await session.rows(sql).map { row in
            QueryStats(
                queryID: row.string("queryid") ?? "", query: row.string("query") ?? "",
                calls: row.int("calls") ?? 0, totalMilliseconds: row.double("total") ?? 0,
                meanMilliseconds: row.double("mean") ?? 0, rows: row.int("rows") ?? 0,
                sharedBlocksHit: row.int("shared_blks_hit") ?? 0, sharedBlocksRead: row.int("shared_blks_read") ?? 0,
                tempBlocksWritten: row.int("temp_blks_written") ?? 0)
        }
    }

    /// What happened between two readings: per statement, the difference (statements that did not run are left out).
    public static func delta(before: [String: QueryStats], after: [String: QueryStats]) -> [QueryStats] {
        after.values.compactMap { now in
            let then = before[now.queryID]
            let calls = now.calls - (then?.calls ?? 0)
            // A reset between the snapshots makes the difference negative: then the later figure is the delta.
            guard calls != 0 else { return nil }
            if calls < 0 { return now }
            let total = now.totalMilliseconds - (then?.totalMilliseconds ?? 0)
            return QueryStats(
                queryID: now.queryID, query: now.query, calls: calls, totalMilliseconds: total,
                meanMilliseconds: total / Double(calls), rows: now.rows - (then?.rows ?? 0),
                sharedBlocksHit: now.sharedBlocksHit - (then?.sharedBlocksHit ?? 0),
                sharedBlocksRead: now.sharedBlocksRead - (then?.sharedBlocksRead ?? 0),
                tempBlocksWritten: now.tempBlocksWritten - (then?.tempBlocksWritten ?? 0))
        }
        .sorted { $0.totalMilliseconds > $1.totalMilliseconds }
    }
}
