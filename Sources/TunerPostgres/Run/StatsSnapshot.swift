import Foundation
import TunerCore

/// The cumulative statistics views at one instant; two snapshots give what happened in between.
public struct StatsSnapshot: Sendable {
    public struct Table: Sendable, Hashable {
        public var name: String
        public var sequentialScans: Int64
        public var sequentialRowsRead: Int64
        public var indexScans: Int64
        public var indexRowsFetched: Int64
        public var inserted: Int64
        public var updated: Int64
        public var deleted: Int64
        public var liveRows: Int64
        public var heapBlocksRead: Int64
        public var heapBlocksHit: Int64
        public var sizeBytes: Int64
    }

    public struct Index: Sendable, Hashable {
        public var name: String
        public var table: String
        public var scans: Int64
        public var rowsRead: Int64
        public var rowsFetched: Int64
        public var sizeBytes: Int64
        /// True when the index backs a primary key, unique or exclusion constraint.
        public var backsConstraint: Bool
        public var definition: String
    }

    public struct Database: Sendable, Hashable {
        public var commits: Int64
        public var rollbacks: Int64
        public var blocksRead: Int64
        public var blocksHit: Int64
        public var tempFiles: Int64
        public var tempBytes: Int64
        public var deadlocks: Int64
    }

    public var takenAt: Date
    public var tables: [String: Table]
    public var indexes: [String: Index]
    public var database: Database
    /// Statements by queryid (this database only, Tuner's own excluded); empty when pg_stat_statements is absent.
    public var statements: [String: QueryStats]
    /// Why statements could not be read, when they could not.
    public var statementsUnavailable: String?
    /// When the server started (`pg_postmaster_start_time()`, Unix seconds): statistics do not survive a
    /// restart, so two snapshots with different start times cannot be subtracted.
    public var serverStartedAt: Double?

    /// A snapshot with nothing in it, standing in for one that could not be taken (the deltas are then empty).
    public static func empty(at takenAt: Date = Date()) -> StatsSnapshot {
        StatsSnapshot(
            takenAt: takenAt, tables: [:], indexes: [:],
            database: Database(commits: 0, rollbacks: 0, blocksRead: 0, blocksHit: 0, tempFiles: 0, tempBytes: 0,
                               deadlocks: 0),
            statements: [:], statementsUnavailable: nil, serverStartedAt: nil)
    }

    /// Reads every view the run compares.
    public static func take(_ session: DatabaseSession) async throws(DatabaseError) -> StatsSnapshot {
        let takenAt = Date()
        var tables: [String: Table] = [:]
        for row in try await session.rows(tablesSQL) {
            let name = row.string("name") ?? "?"
            tables[name] = Table(
                name: name, sequentialScans: row.int("seq_scan") ?? 0, sequentialRowsRead: row.int("seq_tup_read") ?? 0,
                indexScans: row.int("idx_scan") ?? 0, indexRowsFetched: row.int("idx_tup_fetch") ?? 0,
                inserted: row.int("n_tup_ins") ?? 0, updated: row.int("n_tup_upd") ?? 0,
                deleted: row.int("n_tup_del") ?? 0, liveRows: row.int("n_live_tup") ?? 0,
                heapBlocksRead: row.int("heap_blks_read") ?? 0, heapBlocksHit: row.int("heap_blks_hit") ?? 0,
                sizeBytes: row.int("size") ?? 0)
        }
        var indexes: [String: Index] = [:]
        for row in try await session.rows(indexesSQL) {
            let name = row.string("name") ?? "?"
            indexes[name] = Index(
                name: name, table: row.string("table_name") ?? "?", scans: row.int("idx_scan") ?? 0,
                rowsRead: row.int("idx_tup_read") ?? 0, rowsFetched: row.int("idx_tup_fetch") ?? 0,
                sizeBytes: row.int("size") ?? 0, backsConstraint: row.bool("backs_constraint") ?? false,
                definition: row.string("definition") ?? "")
        }
        let db = try await session.rows(databaseSQL).first
        let database = Database(
            commits: db?.int("xact_commit") ?? 0, rollbacks: db?.int("xact_rollback") ?? 0,
            blocksRead: db?.int("blks_read") ?? 0, blocksHit: db?.int("blks_hit") ?? 0,
            tempFiles: db?.int("temp_files") ?? 0, tempBytes: db?.int("temp_bytes") ?? 0,
            deadlocks: db?.int("deadlocks") ?? 0)
        var statements: [String: QueryStats] = [:]
        var unavailable: String?
        do {
            for stats in try await StatementStatisticsReader.snapshot(session: session) { statements[stats.queryID] = stats }
        } catch {
            unavailable = error.description
        }
        return StatsSnapshot(takenAt: takenAt, tables: tables, indexes: indexes, database: database,
                             statements: statements, statementsUnavailable: unavailable,
                             serverStartedAt: db?.double("started"))
    }

    static let tablesSQL = """
        SELECT format('%I.%I', t.schemaname, t.relname) AS name, t.seq_scan, t.seq_tup_read,
               coalesce(t.idx_scan, 0) AS idx_scan, coalesce(t.idx_tup_fetch, 0) AS idx_tup_fetch,
               t.n_tup_ins, t.n_tup_upd, t.n_tup_del, t.n_live_tup,
               coalesce(io.heap_blks_read, 0) AS heap_blks_read, coalesce(io.heap_blks_hit, 0) AS heap_blks_hit,
               pg_table_size(t.relid) AS size
        FROM pg_stat_user_tables t JOIN pg_statio_user_tables io USING (relid)
        """

    static let indexesSQL = """
        SELECT format('%I.%I', s.schemaname, s.indexrelname) AS name,
               format('%I.%I', s.schemaname, s.relname) AS table_name,
               s.idx_scan, s.idx_tup_read, s.idx_tup_fetch, pg_relation_size(s.indexrelid) AS size,
               EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid) AS backs_constraint,
               pg_get_indexdef(s.indexrelid) AS definition
        FROM pg_stat_user_indexes s
        """

    static let databaseSQL = """
        SELECT xact_commit, xact_rollback, blks_read, blks_hit, temp_files, temp_bytes, deadlocks,
               extract(epoch FROM pg_postmaster_start_time())::float8 AS started
        FROM pg_stat_database WHERE datname = current_database()
        """
}
