import Foundation
import TunerCore

/// The queries the advisor weighs: from pg_stat_statements, from a `tuner run` result, or given by hand.
public struct AdvisorWorkload: Codable, Sendable {
    public enum Source: String, Codable, Sendable {
        /// pg_stat_statements of the database.
        case statements
        /// The statements a `tuner run` caused (`LoadResult.database.queries`).
        case result
        /// `--query` texts.
        case queries
    }

    public var source: Source
    public var queries: [WorkloadQuery]
    /// How long the calls were counted over (for "per hour"); nil when unknown (hand-written queries).
    public var observedSeconds: Double?
    /// What the reader must know about how the workload was gathered.
    public var notes: [String]

    public init(source: Source, queries: [WorkloadQuery], observedSeconds: Double? = nil, notes: [String] = []) {
        self.source = source
        self.queries = queries
        self.observedSeconds = observedSeconds
        self.notes = notes
    }

    /// Queries written by hand (literal values or `$n` placeholders); no call counts.
    public static func queries(_ texts: [String]) -> AdvisorWorkload {
        AdvisorWorkload(source: .queries, queries: texts.map { WorkloadQuery(text: $0) })
    }

    /// The statements a `tuner run` caused, counted over the run's wall-clock time.
    public static func result(_ result: LoadResult, minCalls: Int64 = 1, minTotalMilliseconds: Double = 0)
        -> AdvisorWorkload
    {
        let stats = result.database?.queries ?? []
        let kept = stats.filter { $0.calls >= minCalls && $0.totalMilliseconds >= minTotalMilliseconds }
        var seconds = result.finishedAt.timeIntervalSince(result.startedAt)
        if seconds <= 0 { seconds = result.configuration.durationSeconds }
        var notes: [String] = []
        if result.database == nil { notes.append("the result has no database section (it was not made by `tuner run`)") }
        if kept.count < stats.count {
            notes.append("\(stats.count - kept.count) of \(stats.count) statements skipped by --min-calls/--min-time")
        }
        return AdvisorWorkload(
            source: .result,
            queries: kept.map {
                WorkloadQuery(text: $0.query, queryID: $0.queryID, calls: $0.calls,
                              meanMilliseconds: $0.meanMilliseconds, totalMilliseconds: $0.totalMilliseconds)
            },
            observedSeconds: seconds > 0 ? seconds : nil, notes: notes)
    }

    /// The database's statements from pg_stat_statements, by total time, largest first.
    public static func statements(
        _ session: DatabaseSession, minCalls: Int64 = 1, minTotalMilliseconds: Double = 0, limit: Int = 1000
    ) async throws(DatabaseError) -> AdvisorWorkload {
        guard let schema = try await session.scalar("""
            SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'pg_stat_statements'
            """)?.string
        else {
            throw DatabaseError(
                "pg_stat_statements is not installed in database '\(session.settings.database)': "
                    + "CREATE EXTENSION pg_stat_statements (it must be in shared_preload_libraries), "
                    + "or give --query or --result")
        }
        let view = "\(SQLIdentifier.quote(schema)).pg_stat_statements"
        let version = try await session.serverMajorVersion()
        let timeColumn = version >= 13 ? "exec_time" : "time"
        let rows = try await session.rows("""
            SELECT queryid::text AS queryid, query, calls, total_\(timeColumn)::float8 AS total,
                   mean_\(timeColumn)::float8 AS mean
            FROM \(view)
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND calls >= $1 AND total_\(timeColumn) >= $2 AND query NOT LIKE $4
            ORDER BY total_\(timeColumn) DESC LIMIT $3
            """, [minCalls, minTotalMilliseconds, limit, DatabaseSession.marker.trimmingCharacters(in: .whitespaces) + "%"])
        var queries: [WorkloadQuery] = []
        var hidden = 0
        for row in rows {
            guard let text = row.string("query"), !text.hasPrefix("<insufficient privilege>") else {
                hidden += 1
                continue
            }
            queries.append(WorkloadQuery(
                text: text, queryID: row.string("queryid"), calls: row.int("calls"),
                meanMilliseconds: row.double("mean"), totalMilliseconds: row.double("total")))
        }
        var notes: [String] = []
        if hidden > 0 {
            notes.append("\(hidden) statements of other users are hidden: grant pg_read_all_stats to see them")
        }
        if rows.count == limit { notes.append("only the \(limit) statements with the most total time were read") }
        let observed = try await observedSeconds(session, schema: schema, version: version)
        return AdvisorWorkload(source: .statements, queries: queries, observedSeconds: observed, notes: notes)
    }

    /// Seconds since pg_stat_statements was reset (PostgreSQL 14+), else since the server started.
    private static func observedSeconds(_ session: DatabaseSession, schema: String, version: Int)
        async throws(DatabaseError) -> Double?
    {
        if version >= 14,
           let value = try? await session.scalar(
               "SELECT extract(epoch FROM now() - stats_reset)::float8 AS s FROM \(SQLIdentifier.quote(schema)).pg_stat_statements_info"),
           let seconds = value.double, seconds > 0
        {
            return seconds
        }
        return try await session.scalar(
            "SELECT extract(epoch FROM now() - pg_postmaster_start_time())::float8 AS s")?.double
    }
}

/// One statement of the workload.
public struct WorkloadQuery: Codable, Sendable, Hashable {
    public var text: String
    public var queryID: String?
    public var calls: Int64?
    public var meanMilliseconds: Double?
    public var totalMilliseconds: Double?

    public init(text: String, queryID: String? = nil, calls: Int64? = nil, meanMilliseconds: Double? = nil,
                totalMilliseconds: Double? = nil) {
        self.text = text
        self.queryID = queryID
        self.calls = calls
        self.meanMilliseconds = meanMilliseconds
        self.totalMilliseconds = totalMilliseconds
    }

    /// Database time this statement takes per hour, from its calls over the observed span.
    func millisecondsPerHour(observedSeconds: Double?) -> Double? {
        guard let observedSeconds, observedSeconds > 0 else { return nil }
        let total = totalMilliseconds ?? meanMilliseconds.flatMap { mean in calls.map { mean * Double($0) } }
        return total.map { $0 / observedSeconds * 3600 }
    }
}
