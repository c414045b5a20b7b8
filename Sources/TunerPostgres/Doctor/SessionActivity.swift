import TunerCore

/// One server process as `pg_stat_activity` shows it, with the sessions blocking it.
/// The doctor judges these; `tuner run` can sample them each second (counts by state, waits).
public struct SessionActivity: Sendable, Hashable {
    public var pid: Int
    public var database: String?
    public var user: String?
    public var application: String?
    /// `client backend`, `autovacuum worker`, `walsender`, …
    public var backendType: String?
    /// `active`, `idle`, `idle in transaction`, …; `nil` for another role's session without pg_read_all_stats.
    public var state: String?
    public var waitEventType: String?
    public var waitEvent: String?
    public var connectedSeconds: Double?
    public var transactionSeconds: Double?
    public var querySeconds: Double?
    /// Seconds since `state` last changed (how long it has been idle, for example).
    public var stateSeconds: Double?
    /// The current or last statement (first 1,000 characters).
    public var query: String?
    /// Sessions holding the lock this one waits for (`pg_blocking_pids`).
    public var blockedBy: [Int]
    /// The doctor's own session.
    public var isSelf: Bool

    public var isClient: Bool { backendType == "client backend" }
}

/// Reads `pg_stat_activity` in one statement.
public enum SessionActivityReader {
    public static func sessions(session: DatabaseSession) async throws(DatabaseError) -> [SessionActivity] {
        let rows = try await session.rows(
            """
            \(DoctorSQL.marker) SELECT pid, datname::text AS database, usename::text AS username, application_name,
              backend_type, state, wait_event_type, wait_event,
              extract(epoch FROM now() - backend_start)::float8 AS connected,
              extract(epoch FROM now() - xact_start)::float8 AS in_transaction,
              extract(epoch FROM now() - query_start)::float8 AS in_query,
              extract(epoch FROM now() - state_change)::float8 AS in_state,
              left(query, 1000) AS query,
              CASE WHEN wait_event_type = 'Lock' THEN array_to_string(pg_blocking_pids(pid), ' ') END AS blocked_by,
              pid = pg_backend_pid() AS is_self
            FROM pg_stat_activity
            """)
        return rows.map { row in
            SessionActivity(
                pid: Int(row.int("pid") ?? 0), database: row.string("database"), user: row.string("username"),
                application: row.string("application_name"), backendType: row.string("backend_type"),
                state: row.string("state"), waitEventType: row.string("wait_event_type"),
                waitEvent: row.string("wait_event"), connectedSeconds: row.double("connected"),
                transactionSeconds: row.double("in_transaction"), querySeconds: row.double("in_query"),
                stateSeconds: row.double("in_state"), query: row.string("query"),
                blockedBy: IndexCatalog.numbers(row.string("blocked_by")),
                isSelf: row.bool("is_self") ?? false)
        }
    }
}
