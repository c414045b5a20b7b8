import TunerCore

/// The "database during the run" section of report.html: top statements, connections, indexes,
/// sequential scans and the cache, from the run's deltas and per-second samples.
struct HTMLDatabaseSection {
    let result: LoadResult

    func render() -> String {
        guard let db = result.database else {
            return "<p class=\"empty\">Not observed: this result comes from a load test alone. <code>tuner run SCENARIO.yaml --db URL</code> "
                + "adds the top statements, index usage, connections and cache hit ratio.</p>"
        }
        var out = "<p class=\"lead\">Deltas between snapshots before and after the load, and one activity sample per second: only what the load caused.</p>"
        out += queries(db)
        out += activity(db)
        out += indexes(db)
        out += tables(db)
        return out
    }

    private func queries(_ db: DatabaseRun) -> String {
        guard !db.queries.isEmpty else { return "" }
        let total = db.totalQueryMilliseconds
        let requests = Double(result.overall.count)
        var out = "<h3>Top statements by database time</h3><p>\(NumberFormat.count(db.totalCalls)) statements, "
            + "\(NumberFormat.millis(total)) of database time"
        if requests > 0 {
            out += " — \(NumberFormat.significant(Double(db.totalCalls) / requests)) statements and "
                + "\(NumberFormat.millis(total / requests)) per HTTP request"
        }
        out += ".</p>"
        if let chart = QueryChart.render(db, httpRequests: result.overall.count) {
            out += "<figure>\(chart.svg)</figure>"
        }
        let rows = db.queriesByTime.prefix(10).enumerated().map { i, q in
            [String(i + 1), "<code>\(q.query.collapsingWhitespace.truncated(to: 240).htmlEscaped)</code>", NumberFormat.count(q.calls),
             requests > 0 ? NumberFormat.significant(Double(q.calls) / requests) : "n/a",
             NumberFormat.millis(q.totalMilliseconds), NumberFormat.millis(q.meanMilliseconds), NumberFormat.count(q.rows),
             total > 0 ? NumberFormat.percent(q.totalMilliseconds / total) : "n/a"]
        }
        out += HTML.table(headers: ["#", "statement", "calls", "calls/req", "total", "mean", "rows", "share"],
                          numeric: [0, 2, 3, 4, 5, 6, 7], rows: Array(rows))
        return out
    }

    private func activity(_ db: DatabaseRun) -> String {
        let samples = db.measuredConnections(of: result)
        let pool = db.measuredPool(of: result)
        var facts: [(String, String)] = []
        if !samples.isEmpty {
            let meanActive = Double(samples.reduce(0) { $0 + $1.active }) / Double(samples.count)
            facts.append(("connections (peak)", String(samples.map(\.total).max() ?? 0)))
            facts.append(("active (mean / peak)", "\(NumberFormat.significant(meanActive)) / \(samples.map(\.active).max() ?? 0)"))
            let waiting = samples.map(\.waiting).max() ?? 0
            facts.append(("waiting on locks (peak)", waiting > 0 ? "\(waiting) " + HTML.pill("lock waits", cls: "warning") : "0"))
            facts.append(("idle in transaction (peak)", String(samples.map(\.idleInTransaction).max() ?? 0)))
            if let longest = samples.compactMap(\.longestQueryMilliseconds).max() {
                facts.append(("longest running statement", NumberFormat.millis(longest)))
            }
        }
        if let max = db.maxConnections { facts.append(("max_connections", String(max))) }
        if !pool.isEmpty {
            let size = pool.compactMap(\.size).max().map { " of \($0)" } ?? ""
            facts.append(("service pool in use (peak)", "\(pool.map(\.inUse).max() ?? 0)\(size)"))
            let waitSeconds = pool.filter { $0.waiting > 0 }.count
            facts.append(("service pool waiters (peak)", "\(pool.map(\.waiting).max() ?? 0)"
                + (waitSeconds > 0 ? " — in \(waitSeconds) of \(pool.count) s " + HTML.pill("pool saturated", cls: "warning") : "")))
        }
        if let ratio = db.cacheHitRatio {
            let pill = ratio >= 0.99 ? HTML.pill("≥ 99%", cls: "pass")
                : ratio >= 0.95 ? HTML.pill("below 99%", cls: "warning") : HTML.pill("below 95%", cls: "fail")
            facts.append(("cache hit ratio", "<b>\(NumberFormat.percent(ratio))</b> \(pill)"))
        }
        guard !facts.isEmpty else { return "" }
        let list = "<dl class=\"facts\">" + facts.map { "<dt>\($0.0.htmlEscaped)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
        guard let chart = TimeCharts.connections(result) else { return "<h3>Connections and cache</h3>" + list }
        return "<h3>Connections and cache</h3><div class=\"grid2\">"
            + HTML.figure("Connections by state", "pg_stat_activity each second, stacked; lines: the service's pool", chart)
            + "<div>\(list)<p class=\"empty\">Counted over the measured window (warm-up excluded). Cache hit ratio: "
            + "blocks found in shared_buffers during the load; an OLTP workload should stay above 99%.</p></div></div>"
    }

    private func indexes(_ db: DatabaseRun) -> String {
        guard !db.indexes.isEmpty else { return "" }
        let sorted = db.indexes.sorted { ($0.scans, $1.index) > ($1.scans, $0.index) }
        let rows = sorted.map { i -> [String] in
            var name = "<code>\(i.index.htmlEscaped)</code>"
            if i.scans == 0 {
                name += " " + (i.isUnique ? HTML.pill("unused · unique", cls: "info") : HTML.pill("unused during the load", cls: "warning"))
            }
            return [name, "<code>\(i.qualifiedTable.htmlEscaped)</code>", NumberFormat.count(i.scans), NumberFormat.count(i.tuplesRead),
                    NumberFormat.count(i.tuplesFetched), i.efficiency.map(NumberFormat.percent) ?? "—", NumberFormat.bytes(i.sizeBytes)]
        }
        return "<h3>Index usage</h3><p class=\"lead\">Efficiency: table rows fetched per index entry read.</p>"
            + HTML.table(headers: ["index", "table", "scans", "tuples read", "tuples fetched", "efficiency", "size"],
                         numeric: [2, 3, 4, 5, 6], rows: rows)
    }

    private func tables(_ db: DatabaseRun) -> String {
        let scanned = db.tables.filter { $0.sequentialScans > 0 || $0.indexScans > 0 }
            .sorted { $0.sequentialRowsRead > $1.sequentialRowsRead }
        guard !scanned.isEmpty else { return "" }
        let rows = scanned.map { t -> [String] in
            let heavy = t.sequentialScans > 0 && t.liveRows >= 1000 && t.sequentialRowsRead >= t.liveRows
            return ["<code>\(t.qualifiedName.htmlEscaped)</code>" + (heavy ? " " + HTML.pill("full scans", cls: "warning") : ""),
                    NumberFormat.count(t.sequentialScans), NumberFormat.count(t.sequentialRowsRead),
                    t.sequentialScans > 0 ? NumberFormat.number(Double(t.sequentialRowsRead) / Double(t.sequentialScans)) : "—",
                    NumberFormat.count(t.indexScans), NumberFormat.count(t.liveRows)]
        }
        return "<h3>Sequential scans</h3>"
            + HTML.table(headers: ["table", "seq scans", "rows read", "rows/scan", "index scans", "live rows"],
                         numeric: [1, 2, 3, 4, 5], rows: rows)
    }
}
