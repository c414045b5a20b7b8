/// What the database did during a `tuner run`: deltas between the snapshots taken before and after
/// the load, and the per-second activity samples. Filled by `TunerPostgres`, read by `TunerReport`
/// and by the index advisor (`tuner db advise --result`).
public struct DatabaseRun: Codable, Sendable {
    /// Statements by database time spent during the load (pg_stat_statements deltas), largest first.
    public var queries: [QueryStats]

    public init(queries: [QueryStats] = []) {
        self.queries = queries
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

    public init(queryID: String, query: String, calls: Int64, totalMilliseconds: Double, meanMilliseconds: Double,
                rows: Int64, sharedBlocksHit: Int64 = 0, sharedBlocksRead: Int64 = 0, tempBlocksWritten: Int64 = 0) {
        self.queryID = queryID
        self.query = query
        self.calls = calls
        self.totalMilliseconds = totalMilliseconds
        self.meanMilliseconds = meanMilliseconds
        self.rows = rows
        self.sharedBlocksHit = sharedBlocksHit
        self.sharedBlocksRead = sharedBlocksRead
        self.tempBlocksWritten = tempBlocksWritten
    }
}
