import TunerCore

/// The "database during the run" section of report.md.
struct MarkdownDatabase {
    let database: DatabaseRun
    let result: LoadResult

    func render() -> String {
        var out = "## Database during the run\n\nDeltas between snapshots before and after the load: only what the load caused.\n\n"
        out += queries()
        out += indexes()
        out += tables()
        out += connections()
        out += cache()
        return out
    }

    private func queries() -> String {
        let top = Array(database.queriesByTime.prefix(10))
        guard !top.isEmpty else { return "" }
        let total = database.totalQueryMilliseconds
        let requests = Double(result.overall.count)
        var table = MarkdownTable(headers: ["#", "statement", "calls", "calls/request", "total", "mean", "rows", "share"],
                                  rightAligned: [0, 2, 3, 4, 5, 6, 7])
        table.rows = top.enumerated().map { i, q in
            [String(i + 1), q.query.collapsingWhitespace.truncated(to: 160).markdownCode, NumberFormat.count(q.calls),
             requests > 0 ? NumberFormat.significant(Double(q.calls) / requests) : "n/a",
             NumberFormat.millis(q.totalMilliseconds), NumberFormat.millis(q.meanMilliseconds), NumberFormat.count(q.rows),
             total > 0 ? NumberFormat.percent(q.totalMilliseconds / total) : "n/a"]
        }
        var out = "### Top statements by database time\n\n"
        out += "\(NumberFormat.count(database.totalCalls)) statements, \(NumberFormat.millis(total)) of database time"
        if requests > 0 {
            out += " (\(NumberFormat.significant(Double(database.totalCalls) / requests)) statements and "
            out += "\(NumberFormat.millis(total / requests)) per HTTP request)"
        }
        return out + ".\n\n" + table.render() + "\n"
    }

    private func indexes() -> String {
        guard !database.indexes.isEmpty else { return "" }
        let sorted = database.indexes.sorted { ($0.scans, $1.index) > ($1.scans, $0.index) }
        var table = MarkdownTable(headers: ["index", "table", "scans", "tuples read", "tuples fetched", "efficiency", "size"],
                                  rightAligned: [2, 3, 4, 5, 6])
        table.rows = sorted.map { i in
            let unused = i.scans == 0 ? (i.isUnique ? " (unused; enforces uniqueness)" : " ⚠️ unused during the load") : ""
            return [i.index.markdownCode + unused, i.qualifiedTable.markdownCode, NumberFormat.count(i.scans),
                    NumberFormat.count(i.tuplesRead), NumberFormat.count(i.tuplesFetched),
                    i.efficiency.map(NumberFormat.percent) ?? "n/a", NumberFormat.bytes(i.sizeBytes)]
        }
        return "### Index usage\n\nEfficiency: table rows fetched per index entry read.\n\n" + table.render() + "\n"
    }

    private func tables() -> String {
        let scanned = database.tables.filter { $0.sequentialScans > 0 || $0.indexScans > 0 }
            .sorted { $0.sequentialRowsRead > $1.sequentialRowsRead }
        guard !scanned.isEmpty else { return "" }
        var table = MarkdownTable(headers: ["table", "sequential scans", "rows read", "rows/scan", "index scans", "live rows"],
                                  rightAligned: [1, 2, 3, 4, 5])
        table.rows = scanned.map { t in
            [t.qualifiedName.markdownCode, NumberFormat.count(t.sequentialScans), NumberFormat.count(t.sequentialRowsRead),
             t.sequentialScans > 0 ? NumberFormat.number(Double(t.sequentialRowsRead) / Double(t.sequentialScans)) : "—",
             NumberFormat.count(t.indexScans), NumberFormat.count(t.liveRows)]
        }
        return "### Sequential scans\n\n" + table.render() + "\n"
    }

    private func connections() -> String {
        let samples = database.measuredConnections(of: result)
        let pool = database.measuredPool(of: result)
        guard !samples.isEmpty || !pool.isEmpty else { return "" }
        var table = MarkdownTable(headers: ["figure", "value"], rightAligned: [1])
        if !samples.isEmpty {
            let mean = Double(samples.reduce(0) { $0 + $1.active }) / Double(samples.count)
            table.rows.append(["connections (peak)", String(samples.map(\.total).max() ?? 0)])
            table.rows.append(["active (mean / peak)", "\(NumberFormat.significant(mean)) / \(samples.map(\.active).max() ?? 0)"])
            table.rows.append(["waiting on locks (peak)", String(samples.map(\.waiting).max() ?? 0)])
            table.rows.append(["idle in transaction (peak)", String(samples.map(\.idleInTransaction).max() ?? 0)])
            if let longest = samples.compactMap(\.longestQueryMilliseconds).max() {
                table.rows.append(["longest running statement", NumberFormat.millis(longest)])
            }
        }
        if let max = database.maxConnections { table.rows.append(["max_connections", String(max)]) }
        if !pool.isEmpty {
            let size = pool.compactMap(\.size).max().map { " of \($0)" } ?? ""
            table.rows.append(["service pool in use (peak)", "\(pool.map(\.inUse).max() ?? 0)\(size)"])
            table.rows.append(["service pool waiters (peak)", String(pool.map(\.waiting).max() ?? 0)])
            table.rows.append(["seconds with pool waiters", "\(pool.filter { $0.waiting > 0 }.count) of \(pool.count)"])
        }
        return "### Connections\n\nOne sample per second of the measured window.\n\n" + table.render() + "\n"
    }

    private func cache() -> String {
        guard let ratio = database.cacheHitRatio else { return "" }
        let verdict = ratio >= 0.99 ? "✅ at or above the 99% an OLTP workload should reach"
            : ratio >= 0.95 ? "🟠 below 99%: part of the working set is read from disk"
            : "🔴 below 95%: the working set does not fit in shared_buffers"
        return "### Cache\n\nBuffer cache hit ratio during the load: **\(NumberFormat.percent(ratio))** — \(verdict).\n\n"
    }
}
