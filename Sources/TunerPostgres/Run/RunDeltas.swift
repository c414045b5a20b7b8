import TunerCore

extension RunObserver.Observation {
    /// The observation as the result file carries it: per-statement, per-index and per-table deltas,
    /// connections per second, and the cache hit ratio over the run.
    public func databaseRun(maxConnections: Int?, pool: [PoolSample] = []) -> DatabaseRun {
        let queries = StatementDeltas.delta(before: before.statements, after: after.statements)
        let indexes = after.indexes.values.map { now -> IndexUsage in
            let then = before.indexes[now.name]
            let (schema, index) = Self.split(now.name)
            let scans: Int64 = Self.growth(now.scans, then?.scans)
            let read: Int64 = Self.growth(now.rowsRead, then?.rowsRead)
            let fetched: Int64 = Self.growth(now.rowsFetched, then?.rowsFetched)
            return IndexUsage(
                schema: schema, table: Self.split(now.table).1, index: index, scans: scans,
                tuplesRead: read, tuplesFetched: fetched, sizeBytes: now.sizeBytes, isUnique: now.backsConstraint)
        }
        .sorted { ($0.scans, $1.index) > ($1.scans, $0.index) }
        let tables = after.tables.values.map { now -> TableActivity in
            let then = before.tables[now.name]
            let (schema, table) = Self.split(now.name)
            let scans: Int64 = Self.growth(now.sequentialScans, then?.sequentialScans)
            let rows: Int64 = Self.growth(now.sequentialRowsRead, then?.sequentialRowsRead)
            let indexScans: Int64 = Self.growth(now.indexScans, then?.indexScans)
            return TableActivity(
                schema: schema, table: table, sequentialScans: scans, sequentialRowsRead: rows,
                indexScans: indexScans, liveRows: now.liveRows)
        }
        .sorted { ($0.sequentialRowsRead, $1.table) > ($1.sequentialRowsRead, $0.table) }
        let hits = after.database.blocksHit - before.database.blocksHit
        let reads = after.database.blocksRead - before.database.blocksRead
        let connections = samples.map { s in
            ConnectionSample(
                second: Int(s.second.rounded(.down)), active: s.active - s.waitingOnLock, idle: s.idle,
                idleInTransaction: s.idleInTransaction, waiting: s.waitingOnLock,
                longestQueryMilliseconds: s.active > 0 ? s.longestActiveMilliseconds : nil)
        }
        return DatabaseRun(
            queries: queries, indexes: indexes, tables: tables, connections: connections,
            maxConnections: maxConnections, cacheHitRatio: hits + reads > 0 ? Double(hits) / Double(hits + reads) : nil,
            pool: pool)
    }

    /// How much a counter grew between the snapshots (never negative: a reset counts as no growth).
    static func growth(_ now: Int64, _ then: Int64?) -> Int64 { max(0, now - (then ?? 0)) }

    /// Temporary files the load made (pg_stat_database deltas).
    public var tempFiles: (files: Int64, bytes: Int64) {
        (after.database.tempFiles - before.database.tempFiles, after.database.tempBytes - before.database.tempBytes)
    }

    /// Splits `schema.name` as `format('%I.%I')` wrote it (quoted parts may hold dots).
    static func split(_ qualified: String) -> (String, String) {
        var inQuotes = false
        for (offset, ch) in qualified.enumerated() {
            if ch == "\"" { inQuotes.toggle() }
            if ch == "." && !inQuotes {
                let i = qualified.index(qualified.startIndex, offsetBy: offset)
                return (String(qualified[..<i]), String(qualified[qualified.index(after: i)...]))
            }
        }
        return ("public", qualified)
    }
}
