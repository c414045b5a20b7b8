import Foundation

/// The database's work counters at one moment, for the work done between two readings: transactions,
/// rows written, WAL written, statements run, and the client connections open now.
///
/// Backends publish their transaction and row counts to the statistics views at most once a second while
/// busy and up to ten seconds after they go idle, but always when they exit: read the end after the
/// service's connections have closed and the difference is exact.
public struct DatabaseWork: Sendable, Equatable {
    /// Committed and rolled-back transactions of the current database.
    public var transactions: Int64
    /// Rows inserted, updated and deleted in the current database's user tables.
    public var rowsWritten: Int64
    /// The WAL insert position in bytes (the whole cluster's).
    public var walBytes: Int64
    /// pg_stat_statements' calls in the current database; nil when the extension is not there.
    public var statements: Int64?
    /// Client connections to the current database other than this one.
    public var clientConnections: Int

    /// Reads every counter in one statement.
    public static func take(_ session: DatabaseSession) async throws(DatabaseError) -> DatabaseWork {
        let rows = try await session.rows(sql)
        let row = rows.first
        var work = DatabaseWork(
            transactions: row?.int("transactions") ?? 0, rowsWritten: row?.int("rows_written") ?? 0,
            walBytes: row?.int("wal_bytes") ?? 0, statements: nil,
            clientConnections: Int(row?.int("connections") ?? 0))
        if let calls = try? await session.rows(statementsSQL).first?.int("calls") { work.statements = calls }
        return work
    }

    static let sql = """
        SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()) AS transactions,
               (SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint FROM pg_stat_user_tables) AS rows_written,
               (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS wal_bytes,
               (SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid())
                 AS connections
        """

    static let statementsSQL = """
        SELECT coalesce(sum(calls), 0)::bigint AS calls FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        """
}
