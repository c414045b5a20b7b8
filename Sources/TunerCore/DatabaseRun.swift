/// What the database did during a `tuner run`: deltas between the snapshots taken before and after
/// the load, and the per-second activity samples. Filled by `TunerPostgres`, read by `TunerReport`
/// and by the index advisor (`tuner db advise --result`).
///
/// Every field but `queries` is optional or defaults to empty, and a result file written before a
/// field existed still decodes: the report leaves out what was not measured.
public struct DatabaseRun: Codable, Sendable {
    /// Statements by database time spent during the load (pg_stat_statements deltas), largest first.
    public var queries: [QueryStats]
    /// Index usage during the load (pg_stat_user_indexes deltas, with each index's size), one entry per index.
    public var indexes: [IndexUsage]
    /// Scan activity per table during the load (pg_stat_user_tables deltas).
    public var tables: [TableActivity]
    /// Server connections by state, one sample per second of the load (pg_stat_activity).
    public var connections: [ConnectionSample]
    /// The server's `max_connections`, to judge `connections` against.
    public var maxConnections: Int?
    /// Buffer cache hit ratio during the load, 0…1: blks_hit / (blks_hit + blks_read) over the
    /// pg_stat_database deltas; nil when the load read no blocks at all.
    public var cacheHitRatio: Double?
    /// The service's own connection pool, one sample per second from its metrics endpoint (`--metrics`).
    public var pool: [PoolSample]

    public init(
        queries: [QueryStats] = [], indexes: [IndexUsage] = [], tables: [TableActivity] = [],
        connections: [ConnectionSample] = [], maxConnections: Int? = nil, cacheHitRatio: Double? = nil,
        pool: [PoolSample] = []
    ) {
        self.queries = queries
        self.indexes = indexes
        self.tables = tables
        self.connections = connections
        self.maxConnections = maxConnections
        self.cacheHitRatio = cacheHitRatio
        self.pool = pool
    }

    enum CodingKeys: String, CodingKey {
        case queries, indexes, tables, connections, maxConnections, cacheHitRatio, pool
    }

    // Decoded by hand so that results written before a field existed still read.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queries = try c.decodeIfPresent([QueryStats].self, forKey: .queries) ?? []
        indexes = try c.decodeIfPresent([IndexUsage].self, forKey: .indexes) ?? []
        tables = try c.decodeIfPresent([TableActivity].self, forKey: .tables) ?? []
        connections = try c.decodeIfPresent([ConnectionSample].self, forKey: .connections) ?? []
        maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections)
        cacheHitRatio = try c.decodeIfPresent(Double.self, forKey: .cacheHitRatio)
        pool = try c.decodeIfPresent([PoolSample].self, forKey: .pool) ?? []
    }
}

/// One normalized statement's figures (cumulative, or a delta over a run).
public struct QueryStats: Codable, Sendable, Hashable {
    /// pg_stat_statements' queryid, as text (it is a signed 64-bit number).
    public var queryID: String
    /// The normalized text (`$1` for constants). Came from the database: escape before printing as HTML.
    public var query: String
    public var calls: Int64
    public var totalMilliseconds: Double
    public var meanMilliseconds: Double
    public var rows: Int64
    public var sharedBlocksHit: Int64
    public var sharedBlocksRead: Int64
    public var tempBlocksWritten: Int64
    /// Standard deviation of one call's time over the same calls, when known; a run's delta is
    /// derived from the cumulative mean and stddev before and after (sum of squares).
    public var stddevMilliseconds: Double?

    public init(queryID: String, query: String, calls: Int64, totalMilliseconds: Double, meanMilliseconds: Double,
                rows: Int64, sharedBlocksHit: Int64 = 0, sharedBlocksRead: Int64 = 0, tempBlocksWritten: Int64 = 0,
                stddevMilliseconds: Double? = nil) {
        self.queryID = queryID
        self.query = query
        self.calls = calls
        self.totalMilliseconds = totalMilliseconds
        self.meanMilliseconds = meanMilliseconds
        self.rows = rows
        self.sharedBlocksHit = sharedBlocksHit
        self.sharedBlocksRead = sharedBlocksRead
        self.tempBlocksWritten = tempBlocksWritten
        self.stddevMilliseconds = stddevMilliseconds
    }
}

/// How one index was used during the load (pg_stat_user_indexes deltas).
public struct IndexUsage: Codable, Sendable, Hashable {
    public var schema: String
    public var table: String
    public var index: String
    /// Index scans started during the load (`idx_scan`).
    public var scans: Int64
    /// Index entries returned by those scans (`idx_tup_read`).
    public var tuplesRead: Int64
    /// Live table rows fetched through the index (`idx_tup_fetch`).
    public var tuplesFetched: Int64
    /// The index's size on disk at the end of the run (`pg_relation_size`).
    public var sizeBytes: Int64
    /// Unique and primary-key indexes enforce constraints, so "unused" does not mean "droppable".
    public var isUnique: Bool

    public init(schema: String, table: String, index: String, scans: Int64, tuplesRead: Int64, tuplesFetched: Int64,
                sizeBytes: Int64, isUnique: Bool = false) {
        self.schema = schema
        self.table = table
        self.index = index
        self.scans = scans
        self.tuplesRead = tuplesRead
        self.tuplesFetched = tuplesFetched
        self.sizeBytes = sizeBytes
        self.isUnique = isUnique
    }
}

/// How one table was read during the load (pg_stat_user_tables deltas).
public struct TableActivity: Codable, Sendable, Hashable {
    public var schema: String
    public var table: String
    /// Sequential scans started during the load (`seq_scan`).
    public var sequentialScans: Int64
    /// Rows read by those sequential scans (`seq_tup_read`).
    public var sequentialRowsRead: Int64
    /// Index scans on the table during the load (`idx_scan`).
    public var indexScans: Int64
    /// Estimated live rows at the end of the run (`n_live_tup`).
    public var liveRows: Int64

    public init(schema: String, table: String, sequentialScans: Int64, sequentialRowsRead: Int64, indexScans: Int64,
                liveRows: Int64) {
        self.schema = schema
        self.table = table
        self.sequentialScans = sequentialScans
        self.sequentialRowsRead = sequentialRowsRead
        self.indexScans = indexScans
        self.liveRows = liveRows
    }
}

/// Server connections by state in one second of the load (pg_stat_activity, this database's client
/// backends, Tuner's own session excluded). The four counts partition the connections.
public struct ConnectionSample: Codable, Sendable, Hashable {
    /// Seconds since the start of the load, on the same clock as `SeriesPoint.second`.
    public var second: Int
    /// Running a statement and not waiting on a lock.
    public var active: Int
    public var idle: Int
    /// Inside a transaction but not running a statement (`idle in transaction`, also `(aborted)`).
    public var idleInTransaction: Int
    /// Running a statement but blocked on a lock (`wait_event_type = 'Lock'`).
    public var waiting: Int
    /// The longest-running statement at the sample, in milliseconds (nil when none was running).
    public var longestQueryMilliseconds: Double?

    public init(second: Int, active: Int, idle: Int, idleInTransaction: Int, waiting: Int,
                longestQueryMilliseconds: Double? = nil) {
        self.second = second
        self.active = active
        self.idle = idle
        self.idleInTransaction = idleInTransaction
        self.waiting = waiting
        self.longestQueryMilliseconds = longestQueryMilliseconds
    }

    /// All connections in the sample.
    public var total: Int { active + idle + idleInTransaction + waiting }
}

/// The service's connection pool in one second of the load, from its Prometheus metrics.
public struct PoolSample: Codable, Sendable, Hashable {
    /// Seconds since the start of the load, on the same clock as `SeriesPoint.second`.
    public var second: Int
    /// Connections checked out by the service.
    public var inUse: Int
    public var idle: Int
    /// Requests waiting for a connection.
    public var waiting: Int
    /// The pool's configured maximum, when the service exports it.
    public var size: Int?

    public init(second: Int, inUse: Int, idle: Int, waiting: Int, size: Int? = nil) {
        self.second = second
        self.inUse = inUse
        self.idle = idle
        self.waiting = waiting
        self.size = size
    }
}
