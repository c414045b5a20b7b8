import TunerCore

extension RunObserver.Observation {
    /// The observation as the result file carries it: per-statement, per-index and per-table deltas,
    /// connections per second, and the cache hit ratio over the run.
    public func databaseRun(maxConnections: Int?, pool: [PoolSample] = []) -> DatabaseRun {
        let queries = StatementStatistics.delta(before: before.statements, after: after.statements)
        let indexes = after.indexes.values.map { now -> IndexUsage in
            let then = before.indexes[now.name]
            let (schema, index) = Self.split(now.name)
            return IndexUsage(
                schema: schema, table: Self.split(now.table).1, index: index,
                scans: max(0, now.scans - (then?.scans ?? 0)),
                tuplesRead: max(0, now.rowsRead - (then?.rowsRead ?? 0)),
                tuplesFetched: max(0, now.rowsFetched - (then?.rowsFetched ?? 0)),
                sizeBytes: now.sizeBytes, isUnique: now.backsConstraint)
        }
        .sorted { ($0.scans, $1.index) > ($1.scans, $0.index) }
        let tables = after.tables.values.map { now -> TableActivity in
            let then = before.tables[now.name]
            let (schema, table) = Self.split(now.name)
            return TableActivity(
                schema: schema, table: table,
                sequentialScans: max(0, now.sequentialScans - (then?.sequentialScans ?? 0)),
                sequentialRowsRead: max(0, now.sequentialRowsRead - (then?.sequentialRowsRead ?? 0)),
                indexScans: max(0, now.indexScans - (then?.indexScans ?? 0)), liveRows: now.liveRows)
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
