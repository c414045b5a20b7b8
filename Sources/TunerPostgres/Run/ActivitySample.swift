import Foundation

/// One look at pg_stat_activity for the database under load (Tuner's own session left out).
public struct ActivitySample: Sendable, Codable, Hashable {
    /// Seconds since the observation started.
    public var second: Double
    public var active: Int
    public var idle: Int
    public var idleInTransaction: Int
    /// Client sessions waiting on a heavyweight lock.
    public var waitingOnLock: Int
    /// Active sessions by wait event (`Lock:transactionid`, `IO:DataFileRead`, `CPU` when not waiting).
    public var waitEvents: [String: Int]
    /// The longest-running active statement at that instant, in milliseconds, and its text (truncated).
    public var longestActiveMilliseconds: Double
    public var longestActiveQuery: String?

    public var total: Int { active + idle + idleInTransaction }
    /// The database's transactions so far (committed and rolled back, `pg_stat_database`; PostgreSQL flushes these
    /// counters about once a second), for a live transactions/s; `nil` when not asked for or not readable.
    public var transactions: Int64?

    static let sql = """
        SELECT coalesce(state, 'unknown') AS state, wait_event_type, wait_event,
               extract(epoch FROM (clock_timestamp() - query_start)) * 1000 AS running_ms, left(query, 300) AS query
        FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        """

    /// Takes one sample; with `transactions`, also the database's transaction count (one more query: only the
    /// live metrics read it).
    static func take(_ session: DatabaseSession, second: Double, transactions: Bool = false) async throws(DatabaseError) -> ActivitySample {
        var sample = ActivitySample(second: second, active: 0, idle: 0, idleInTransaction: 0, waitingOnLock: 0,
                                    waitEvents: [:], longestActiveMilliseconds: 0, longestActiveQuery: nil)
        for row in try await session.rows(sql) {
            let state = row.string("state") ?? "unknown"
            switch state {
            case "active":
                sample.active += 1
                let waitType = row.string("wait_event_type")
                let event = waitType.map { "\($0):\(row.string("wait_event") ?? "?")" } ?? "CPU"
                sample.waitEvents[event, default: 0] += 1
                if waitType == "Lock" { sample.waitingOnLock += 1 }
                let running = row.double("running_ms") ?? 0
                if running > sample.longestActiveMilliseconds {
                    sample.longestActiveMilliseconds = running
                    sample.longestActiveQuery = row.string("query")
                }
            case "idle": sample.idle += 1
            case "idle in transaction", "idle in transaction (aborted)": sample.idleInTransaction += 1
            default: break
            }
        }
        guard transactions else { return sample }
        sample.transactions = try? await session.scalar(
            "SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()")?.int
        return sample
    }
}
