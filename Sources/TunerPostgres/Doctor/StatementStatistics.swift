import Foundation
import TunerCore

/// One statement's cumulative figures from pg_stat_statements, with the spread and temp-file figures
/// the doctor judges by. `stats` is the shared `QueryStats` that `tuner run` takes deltas of.
public struct StatementStatistics: Sendable, Hashable {
    public var stats: QueryStats
    public var stddevMilliseconds: Double
    public var maxMilliseconds: Double
    public var tempBlocksRead: Int64
}

/// Whether pg_stat_statements can be read in this database, and where it lives.
public struct StatementStatisticsAvailability: Sendable, Hashable {
    /// The schema the extension was created in; `nil` when `CREATE EXTENSION` was not run in this database.
    public var schema: String?
    /// `true`/`false` when the library's presence in `shared_preload_libraries` is known; `nil` when the
    /// setting is hidden from this role and the view was not readable to tell.
    public var isPreloaded: Bool?
    /// `shared_preload_libraries` as set, when readable.
    public var preloadLibraries: String?

    public var isUsable: Bool { schema != nil && isPreloaded == true }
}

/// Reads pg_stat_statements: the doctor's query checks use it, and `tuner run` takes the difference of two
/// `snapshot`s around a load.
public enum StatementStatisticsReader {
    /// Finds out whether the extension is installed here and its library preloaded.
    public static func availability(session: DatabaseSession) async throws(DatabaseError)
        -> StatementStatisticsAvailability
    {
        let row = try await session.rows(
            """
            \(DoctorSQL.marker) SELECT (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                     WHERE e.extname = 'pg_stat_statements') AS schema,
                   (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS preload
            """
        ).first
        let schema = row?.string("schema")
        let preload = row?.string("preload")
        var preloaded = preload.map { libraries in
            libraries.split(separator: ",").contains {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"'")) == "pg_stat_statements"
            }
        }
        if preloaded == nil, let schema {
            // The setting is superuser-only without pg_read_all_settings: the view tells instead,
            // failing with 55000 when the library is not loaded.
            do throws(DatabaseError) {
                _ = try await session.rows(
                    "\(DoctorSQL.marker) SELECT 1 FROM \(SQLIdentifier.quote(schema)).pg_stat_statements LIMIT 1")
                preloaded = true
            } catch where error.sqlState == "55000" {
                preloaded = false
            }
        }
        return StatementStatisticsAvailability(schema: schema, isPreloaded: preloaded, preloadLibraries: preload)
    }

    /// Every statement run in the current database, top-level only (nested statements inside functions
    /// would count their time twice), summed over roles; Tuner's own statements left out.
    ///
    /// Rows whose text this role may not see (`<insufficient privilege>`) are left out and counted in
    /// `hiddenStatements`.
    public static func read(session: DatabaseSession, schema: String = "public") async throws(DatabaseError)
        -> (statements: [StatementStatistics], hiddenStatements: Int)
    {
        let sql = aggregateSQL(version: try await session.serverMajorVersion(), schema: schema)
        let rows = try await session.rows("\(DoctorSQL.marker) \(sql) SELECT * FROM statements")
        var statements: [StatementStatistics] = []
        var hidden = 0
        for row in rows {
            guard let statement = decode(row) else {
                hidden += Int(row.int("entries") ?? 0)
                continue
            }
            statements.append(statement)
        }
        statements.sort { $0.stats.totalMilliseconds > $1.stats.totalMilliseconds }
        return (statements, hidden)
    }

    /// Only the statements the doctor judges: the `top` largest by total time, by mean time (among those
    /// called at least `minimumCalls` times) and by temp blocks written, with the totals over all statements.
    /// Done in SQL so that a pg_stat_statements full of long texts costs one small result.
    static func readLeaders(session: DatabaseSession, schema: String, top: Int, minimumCalls: Int64)
        async throws(DatabaseError)
        -> (statements: [StatementStatistics], count: Int, totalMilliseconds: Double, hiddenStatements: Int)
    {
        let sql = aggregateSQL(version: try await session.serverMajorVersion(), schema: schema)
        let rows = try await session.rows(
            """
            \(DoctorSQL.marker) \(sql), ranked AS (
              SELECT *, count(*) OVER () AS all_count, sum(total_ms) OVER () AS all_total,
                row_number() OVER (ORDER BY total_ms DESC) AS by_total,
                row_number() OVER (ORDER BY CASE WHEN calls >= $2 THEN mean_ms END DESC NULLS LAST) AS by_mean,
                row_number() OVER (ORDER BY temp_written DESC) AS by_temp
              FROM statements WHERE NOT hidden
            )
            SELECT *, (SELECT coalesce(sum(entries), 0) FROM statements WHERE hidden) AS hidden_entries
            FROM ranked WHERE by_total <= $1 OR by_mean <= $1 OR (by_temp <= $1 AND temp_written > 0)
            UNION ALL
            SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, NULL,
              (SELECT count(*) FROM statements WHERE NOT hidden), (SELECT sum(total_ms) FROM statements WHERE NOT hidden),
              NULL, NULL, NULL, (SELECT coalesce(sum(entries), 0) FROM statements WHERE hidden)
            """, [Int64(top), minimumCalls])
        var statements: [StatementStatistics] = []
        var count = 0
        var total = 0.0
        var hidden = 0
        for row in rows {
            count = Int(row.int("all_count") ?? Int64(count))
            total = row.double("all_total") ?? total
            hidden = Int(row.int("hidden_entries") ?? 0)
            if let statement = decode(row) { statements.append(statement) }
        }
        statements.sort { $0.stats.totalMilliseconds > $1.stats.totalMilliseconds }
        return (statements, count, total, hidden)
    }

    /// `WITH statements AS (…)`: pg_stat_statements summed per queryid in the current database.
    static func aggregateSQL(version: Int, schema: String) -> String {
        let time = version >= 13 ? "exec_time" : "time"
        let topLevel = version >= 14 ? "AND toplevel" : ""
        return """
            WITH statements AS (
              SELECT queryid::text AS queryid, min(query) AS query, sum(calls)::bigint AS calls,
                sum(total_\(time))::float8 AS total_ms,
                (sum(total_\(time)) / nullif(sum(calls), 0))::float8 AS mean_ms,
                sqrt(greatest(sum(calls * (stddev_\(time) ^ 2 + mean_\(time) ^ 2)) / nullif(sum(calls), 0)
                     - (sum(total_\(time)) / nullif(sum(calls), 0)) ^ 2, 0))::float8 AS stddev_ms,
                max(max_\(time))::float8 AS max_ms, sum(rows)::bigint AS rows,
                sum(shared_blks_hit)::bigint AS hit, sum(shared_blks_read)::bigint AS read,
                sum(temp_blks_written)::bigint AS temp_written, sum(temp_blks_read)::bigint AS temp_read,
                bool_or(queryid IS NULL) AS hidden, count(*) AS entries
              FROM \(SQLIdentifier.quote(schema)).pg_stat_statements
              WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \(topLevel)
                AND (query IS NULL OR query NOT LIKE '\(DatabaseSession.marker.trimmingCharacters(in: .whitespaces))%')
              GROUP BY queryid
            )
            """
    }

    /// One aggregated row as figures; `nil` for the hidden group and for summary rows.
    static func decode(_ row: DatabaseRow) -> StatementStatistics? {
        guard row.bool("hidden") != true, let id = row.string("queryid") else { return nil }
        let stats = QueryStats(
            queryID: id, query: row.string("query") ?? "", calls: row.int("calls") ?? 0,
            totalMilliseconds: row.double("total_ms") ?? 0, meanMilliseconds: row.double("mean_ms") ?? 0,
            rows: row.int("rows") ?? 0, sharedBlocksHit: row.int("hit") ?? 0,
            sharedBlocksRead: row.int("read") ?? 0, tempBlocksWritten: row.int("temp_written") ?? 0)
        return StatementStatistics(
            stats: stats, stddevMilliseconds: row.double("stddev_ms") ?? 0, maxMilliseconds: row.double("max_ms") ?? 0,
            tempBlocksRead: row.int("temp_read") ?? 0)
    }

    /// The cumulative figures of every visible statement, largest total time first: take two and subtract
    /// to get what a load did.
    public static func snapshot(session: DatabaseSession) async throws(DatabaseError) -> [QueryStats] {
        guard let schema = try await availability(session: session).schema else {
            throw DatabaseError("pg_stat_statements is not installed in this database (CREATE EXTENSION pg_stat_statements)")
        }
        return try await read(session: session, schema: schema).statements.map { statement in
            var stats = statement.stats
            stats.stddevMilliseconds = statement.stddevMilliseconds
            return stats
        }
    }
}
