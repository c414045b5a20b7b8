import Foundation
import TunerCore

/// Findings from what the database did during one load run, with that run's numbers as evidence.
public enum RunAnalysis {
    /// The limits the run findings use; named so that reports and `--help` can quote them.
    public struct Thresholds: Sendable {
        /// A statement run at least this many times per call of a list statement whose rows it follows
        /// (or, failing that, per HTTP request over all requests) is an N+1 shape …
        public var nPlusOneCallsPerRequest = 1.5
        /// … provided, when no list statement explains the calls, one call is cheap (mean at most this many ms) …
        public var nPlusOneMaxMeanMilliseconds = 5.0
        /// … and returns few rows per call.
        public var nPlusOneMaxRowsPerCall = 50.0
        /// Sequential scans are reported when they read at least this many rows during the run …
        public var sequentialScanMinRows: Int64 = 100_000
        /// … and at least this many rows per scan (small lookup tables are fine to scan).
        public var sequentialScanMinRowsPerScan: Int64 = 1_000
        /// Cache hit ratio below this is a warning, below `cacheHitCritical` critical.
        public var cacheHitWarning = 0.99
        public var cacheHitCritical = 0.95
        /// Connections at or above this share of max_connections are a warning.
        public var connectionShareWarning = 0.8
        /// The service's pool counts as saturated when requests waited for a connection in at least
        /// this share of the sampled seconds, or every connection was busy in that share.
        public var poolSaturatedShare = 0.5
        /// How many statements the top-time findings name.
        public var topQueries = 3
        /// Unused indexes are reported from this size up.
        public var unusedIndexMinBytes: Int64 = 1 << 20

        public init() {}
    }

    /// The facts about the load that the analysis weighs the database against.
    public struct Load: Sendable {
        public var httpRequests: UInt64
        /// Completed requests per request name, to name the endpoint behind an N+1.
        public var requestsByName: [String: UInt64]
        /// Each request name's path, to tell apart endpoints with similar counts (`/customers/{id}/orders`
        /// reads `orders`).
        public var pathsByName: [String: String]
        /// The flow each request name is a step of (flows' steps run once per iteration: equal counts by construction).
        public var flowsByName: [String: String]
        public var seconds: Double
        public var tempFiles: Int64
        public var tempBytes: Int64

        public init(httpRequests: UInt64, requestsByName: [String: UInt64] = [:], pathsByName: [String: String] = [:],
                    flowsByName: [String: String] = [:], seconds: Double, tempFiles: Int64 = 0, tempBytes: Int64 = 0) {
            self.httpRequests = httpRequests
            self.requestsByName = requestsByName
            self.pathsByName = pathsByName
            self.flowsByName = flowsByName
            self.seconds = seconds
            self.tempFiles = tempFiles
            self.tempBytes = tempBytes
        }
    }

    /// Every run finding, most severe first.
    public static func findings(_ run: DatabaseRun, load: Load, thresholds: Thresholds = Thresholds()) -> [Finding] {
        var out: [Finding] = []
        out += topQueries(run, thresholds)
        out += nPlusOne(run, load, thresholds)
        out += sequentialScans(run, load, thresholds)
        out += unusedIndexes(run, thresholds)
        out += cache(run, thresholds)
        out += connections(run, thresholds)
        out += pool(run, thresholds)
        if load.tempFiles > 0 {
            out.append(Finding(
                id: "temp-files-during-load", severity: .warning, object: "work_mem",
                title: "Queries spilled \(ByteSize(bytes: load.tempBytes).humanDescription) to temporary files during the load",
                evidence: [.init("temp files", Double(load.tempFiles)), .init("temp bytes", Double(load.tempBytes))],
                why: "Sorts and hashes that do not fit in work_mem go to disk and are many times slower.",
                fix: "-- find the statements with temp_blks_written > 0 below, then e.g.\nSET work_mem = '64MB';  -- per session or ALTER ROLE … SET work_mem",
                source: "run"))
        }
        return out.sorted { $0.severity > $1.severity }
    }

    static func topQueries(_ run: DatabaseRun, _ t: Thresholds) -> [Finding] {
        let total = run.queries.reduce(0) { $0 + $1.totalMilliseconds }
        guard total > 0 else { return [] }
        return run.queries.prefix(t.topQueries).enumerated().map { rank, q in
            let share = q.totalMilliseconds / total
            return Finding(
                id: "top-query", severity: share >= 0.5 ? .warning : .info, object: "queryid \(q.queryID)",
                title: "#\(rank + 1) by database time during the load: \(Int((share * 100).rounded()))% — \(oneLine(q.query, 90))",
                evidence: [
                    .init("calls", Double(q.calls)), .init("mean", q.meanMilliseconds, unit: "ms"),
                    .init("total", q.totalMilliseconds, unit: "ms"), .init("rows", Double(q.rows)),
                    .init("share of database time", (share * 1000).rounded() / 10, unit: "%"),
                    .init("shared blocks read", Double(q.sharedBlocksRead)),
                ],
                why: "The statements that take the most database time are where an index or a rewrite pays most.",
                fix: "EXPLAIN (ANALYZE, BUFFERS) \(q.query);\n-- or: tuner db advise --result result.json",
                source: "run")
        }
    }

    static func nPlusOne(_ run: DatabaseRun, _ load: Load, _ t: Thresholds) -> [Finding] {
        run.queries.compactMap { q in
            let lower = q.query.lowercased()
            let rowsPerCall = q.calls > 0 ? Double(q.rows) / Double(q.calls) : 0
            guard q.calls >= 10, rowsPerCall <= t.nPlusOneMaxRowsPerCall,
                  lower.hasPrefix("select") || lower.hasPrefix("with"),
                  let parameter = equalityParameter(in: q.query)
            else { return nil }
            // The classic signature: one call per row of a list statement (the parent), so the child's calls
            // match the parent's rows while the parent returns several rows per call.
            let parent = run.queries
                .filter { p in
                    // A parent is a list the service read (a batched INSERT … SELECT unnest(…) also returns rows).
                    p.queryID != q.queryID && p.calls > 0 && Self.isRead(p.query) && Double(p.rows) / Double(p.calls) >= 1.5
                        && Double(q.calls) >= Double(p.calls) * t.nPlusOneCallsPerRequest
                        && abs(Double(p.rows) - Double(q.calls)) <= Self.countTolerance(Double(q.calls))
                }
                .min { a, b in
                    // A parent named by the child's key (orders for order_id = $1) beats a list that merely
                    // returns as many rows; then the closest count wins.
                    let (namedA, namedB) = (Self.isNamedParent(a.query, of: q.query), Self.isNamedParent(b.query, of: q.query))
                    if namedA != namedB { return namedA }
                    return abs(Double(a.rows) - Double(q.calls)) < abs(Double(b.rows) - Double(q.calls))
                }
            let perRequest = load.httpRequests > 0 ? Double(q.calls) / Double(load.httpRequests) : 0
            // With a parent the signature is clear whatever the child costs (an unindexed child makes it worse);
            // without one, only a cheap statement called several times per request looks like an N+1.
            guard parent != nil
                    || (perRequest >= t.nPlusOneCallsPerRequest && q.meanMilliseconds <= t.nPlusOneMaxMeanMilliseconds)
            else { return nil }
            // Calls that match one endpoint's requests are one call per request of that endpoint (a product
            // page reading its product), whatever list statement happens to return as many rows.
            // When a parent list also matches, the closer explanation wins. A tie goes to the benign one, unless the
            // child's key names the parent's table (order_items.order_id under a list of orders): that structure is
            // evidence the counts alone are not (an endpoint's count can equal the rows by chance).
            let parentGap = parent.map { abs(Double($0.rows) - Double(q.calls)) } ?? .infinity
            let parentWinsTies = parent.map { Self.isNamedParent($0.query, of: q.query) } ?? false
            let oncePerRequest = load.requestsByName.values.contains {
                let gap = abs(Double($0) - Double(q.calls))
                return gap <= Self.countTolerance(Double(q.calls)) && (parentWinsTies ? gap < parentGap : gap <= parentGap)
            }
            guard !oncePerRequest else { return nil }
            // In a flow every step runs once per iteration, so a statement that m steps run once each has m times the
            // iterations' calls, exactly what a parent returning m rows per call would explain: the counts cannot tell
            // them apart. Said as a possibility, not as an N+1.
            if let parent, let flow = Self.flowExplaining(calls: q.calls, parentCalls: parent.calls, load: load) {
                return Finding(
                    id: "n-plus-one-possible", severity: .info, object: "queryid \(q.queryID)",
                    title: "Possible N+1 (counts cannot tell): \(oneLine(q.query, 80)) ran \(flow.multiple)× per iteration of flow '\(flow.name)'",
                    evidence: [
                        .init("calls", Double(q.calls)), .init("flow iterations", Double(flow.iterations)),
                        .init("steps in the flow", Double(flow.steps)),
                        .init("parent statement", oneLine(parent.query, 120)), .init("parent rows", Double(parent.rows)),
                    ],
                    why: "Every step of a flow runs once per iteration, so \(flow.multiple) steps each reading it once and one list of \(flow.multiple) rows read row by row give the same counts.",
                    fix: "-- check which steps run it (the service's logs or traces); if one step runs it per row of:\n-- \(oneLine(parent.query, 100))\n-- load those rows in one statement instead",
                    source: "run")
            }
            // Name the endpoint whose request count matches the parent's calls, when one does.
            // Requests in flight when the snapshots are taken blur the counts a little, so the match is loose
            // (15% + 2); among the endpoints that close, one whose path names the parent's table wins, and
            // otherwise an endpoint is named only when it is the only one that close.
            let endpoint = parent.flatMap { p -> (key: String, value: UInt64)? in
                let close = load.requestsByName.filter { abs(Double($0.value) - Double(p.calls)) <= Self.countTolerance(Double(p.calls)) }
                let table = Self.firstTable(in: p.query)
                let named = close.filter { entry in
                    guard let table, let path = load.pathsByName[entry.key]?.lowercased() else { return false }
                    return path.contains(table)
                }
                let pick = named.count == 1 ? named : close
                return pick.count == 1 ? pick.first.map { (key: $0.key, value: $0.value) } : nil
            }
            let perParentCall = parent.map { Double(q.calls) / Double($0.calls) } ?? perRequest
            let batched = q.query.replacingOccurrences(
                of: "= \\\(parameter)(?![0-9])", with: "= ANY(\\\(parameter))", options: .regularExpression)
            var evidence: [Finding.Evidence] = [
                .init("calls", Double(q.calls)), .init("mean", q.meanMilliseconds, unit: "ms"),
                .init("rows per call", (rowsPerCall * 10).rounded() / 10),
                .init("database time", q.totalMilliseconds, unit: "ms"),
            ]
            if let parent {
                evidence += [
                    .init("parent statement", oneLine(parent.query, 120)),
                    .init("parent calls", Double(parent.calls)), .init("parent rows", Double(parent.rows)),
                    .init("calls per parent call", (perParentCall * 100).rounded() / 100),
                ]
            }
            if let endpoint {
                evidence.append(.init("endpoint", "\(endpoint.key) (\(endpoint.value) requests)"))
            }
            evidence.append(.init("HTTP requests", Double(load.httpRequests)))
            let whereText = endpoint.map { " in \($0.key)" } ?? ""
            return Finding(
                id: "n-plus-one", severity: perParentCall >= 5 ? .critical : .warning, object: "queryid \(q.queryID)",
                title: "N+1\(whereText): \(oneLine(q.query, 80)) ran \(formatted(perParentCall))× per "
                    + (parent == nil ? "HTTP request" : "list query, once per row"),
                evidence: evidence,
                why: "A cheap query issued once per row of a parent list costs a round trip each time; the round trips, not the query, dominate the latency.",
                fix: "-- load the rows for all parents in one statement (pass an array of ids):\n\(batched)\n-- or JOIN the child table in the parent query",
                source: "run")
        }
    }

    /// A flow whose iterations explain `calls` as a small whole multiple (at most its number of steps) while the
    /// parent runs once per iteration: the N+1 signature that flows produce by construction.
    static func flowExplaining(calls: Int64, parentCalls: Int64, load: Load)
        -> (name: String, multiple: Int, iterations: UInt64, steps: Int)?
    {
        var steps: [String: [UInt64]] = [:]
        for (name, flow) in load.flowsByName { if let count = load.requestsByName[name] { steps[flow, default: []].append(count) } }
        for (flow, counts) in steps.sorted(by: { $0.key < $1.key }) {
            // Steps of one flow differ only by the iterations in flight at the snapshots (and skipped steps): 5% + 2.
            let close = { (a: Double, b: Double) in abs(a - b) <= 0.05 * max(a, b) + 2 }
            guard let iterations = counts.max(), iterations > 0, close(Double(parentCalls), Double(iterations)) else { continue }
            let multiple = (Double(calls) / Double(iterations)).rounded()
            guard multiple >= 1, Int(multiple) <= counts.count, close(Double(calls), multiple * Double(iterations)) else { continue }
            return (flow, Int(multiple), iterations, counts.count)
        }
        return nil
    }

    static func sequentialScans(_ run: DatabaseRun, _ load: Load, _ t: Thresholds) -> [Finding] {
        run.tables.compactMap { table in
            guard table.sequentialScans > 0, table.sequentialRowsRead >= t.sequentialScanMinRows else { return nil }
            let perScan = table.sequentialRowsRead / table.sequentialScans
            guard perScan >= t.sequentialScanMinRowsPerScan else { return nil }
            let name = "\(table.schema).\(table.table)"
            let share = table.sequentialScans + table.indexScans > 0
                ? Double(table.sequentialScans) / Double(table.sequentialScans + table.indexScans) : 1
            let suspects = run.queries.filter { $0.query.contains(table.table) }.prefix(2)
            return Finding(
                id: "seq-scan-during-load", severity: share >= 0.5 && perScan >= 10_000 ? .critical : .warning,
                object: name,
                title: "\(name) was read by \(table.sequentialScans) sequential scans (\(perScan) rows each) during the load",
                evidence: [
                    .init("sequential scans", Double(table.sequentialScans)),
                    .init("rows read by them", Double(table.sequentialRowsRead)),
                    .init("rows per scan", Double(perScan)), .init("index scans", Double(table.indexScans)),
                    .init("live rows", Double(table.liveRows)),
                ] + suspects.map { .init("likely statement", oneLine($0.query, 120)) },
                why: "Each scan reads the whole table; an index on the filtered column reads only the matching rows.",
                fix: "tuner db advise --result result.json   # tries indexes for the statements on \(name) with HypoPG",
                source: "run")
        }
    }

    static func unusedIndexes(_ run: DatabaseRun, _ t: Thresholds) -> [Finding] {
        run.indexes.compactMap { index in
            guard index.scans == 0, !index.isUnique, index.sizeBytes >= t.unusedIndexMinBytes else { return nil }
            return Finding(
                id: "index-unused-during-load", severity: .info, object: "\(index.schema).\(index.index)",
                title: "\(index.schema).\(index.index) on \(index.table) was not used during the load",
                evidence: [.init("scans", 0), .init("size", ByteSize(bytes: index.sizeBytes).humanDescription,
                                                      number: Double(index.sizeBytes))],
                why: "An index the workload never reads still costs every insert and update; check the doctor's all-time figures before dropping it.",
                fix: "-- only if `tuner db check` also reports it unused over a long period:\nDROP INDEX CONCURRENTLY \(index.schema).\(index.index);",
                source: "run")
        }
    }

    static func cache(_ run: DatabaseRun, _ t: Thresholds) -> [Finding] {
        guard let ratio = run.cacheHitRatio, ratio < t.cacheHitWarning else { return [] }
        return [Finding(
            id: "cache-hit-during-load", severity: ratio < t.cacheHitCritical ? .critical : .warning,
            object: "shared_buffers",
            title: "Cache hit ratio during the load was \(formatted(ratio * 100))% (target ≥ \(formatted(t.cacheHitWarning * 100))%)",
            evidence: [.init("cache hit ratio", (ratio * 10000).rounded() / 100, unit: "%")],
            why: "Reads that miss shared_buffers go to the OS cache or disk; a hot working set should be served from memory.",
            fix: "-- size shared_buffers for the working set (tuner db config), and index the scans that read whole tables\nALTER SYSTEM SET shared_buffers = '…';  -- needs a restart",
            source: "run")]
    }

    static func connections(_ run: DatabaseRun, _ t: Thresholds) -> [Finding] {
        var out: [Finding] = []
        guard !run.connections.isEmpty else { return out }
        let peak = run.connections.map(\.total).max() ?? 0
        if let max = run.maxConnections, max > 0, Double(peak) >= Double(max) * t.connectionShareWarning {
            out.append(Finding(
                id: "connections-near-max", severity: peak >= max ? .critical : .warning, object: "max_connections",
                title: "Connections peaked at \(peak) of max_connections = \(max) during the load",
                evidence: [.init("peak connections", Double(peak)), .init("max_connections", Double(max))],
                why: "When connections run out, new clients fail instead of waiting; a pooler keeps server connections few.",
                fix: "-- put PgBouncer in front (tuner pool prints a config), or lower the services' pool sizes",
                source: "run"))
        }
        let waits = run.connections.filter { $0.waiting > 0 }
        if !waits.isEmpty {
            out.append(Finding(
                id: "lock-waits-during-load", severity: .warning, object: "locks",
                title: "Sessions waited on locks in \(waits.count) of \(run.connections.count) sampled seconds",
                evidence: [.init("seconds with lock waits", Double(waits.count)),
                           .init("peak waiting sessions", Double(waits.map(\.waiting).max() ?? 0))],
                why: "Lock waits serialize requests: latency grows with load although the database is idle.",
                fix: "-- see who blocks whom while it happens:\nSELECT pid, pg_blocking_pids(pid), wait_event, query FROM pg_stat_activity WHERE wait_event_type = 'Lock';",
                source: "run"))
        }
        // Without service metrics: every connection busy most of the time, their number flat, means the pool is the limit.
        if run.pool.isEmpty, let pool = BusySessionPool(run.connections, share: t.poolSaturatedShare) {
            out.append(pool.finding(source: "run"))
        }
        return out
    }

    static func pool(_ run: DatabaseRun, _ t: Thresholds) -> [Finding] {
        guard !run.pool.isEmpty else { return [] }
        let waited = run.pool.filter { $0.waiting > 0 }
        let full = run.pool.filter { s in s.size.map { s.inUse >= $0 } ?? false }
        let share = Double(max(waited.count, full.count)) / Double(run.pool.count)
        guard share >= t.poolSaturatedShare else { return [] }
        let size = run.pool.compactMap(\.size).max()
        return [Finding(
            id: "pool-saturation", severity: waited.isEmpty ? .warning : .critical, object: "service connection pool",
            title: "The service's pool was exhausted in \(max(waited.count, full.count)) of \(run.pool.count) seconds"
                + (size.map { " (size \($0))" } ?? ""),
            evidence: [
                .init("seconds with waiting requests", Double(waited.count)),
                .init("peak waiting", Double(run.pool.map(\.waiting).max() ?? 0)),
                .init("peak in use", Double(run.pool.map(\.inUse).max() ?? 0)),
            ] + (size.map { [.init("pool size", Double($0))] } ?? []),
            why: "Requests that wait for a pooled connection add that wait to their latency although the database has capacity.",
            fix: "-- raise the pool (tuner pool computes cores × 2 + spindles per instance), e.g. POOL_SIZE=\(max((size ?? 2) * 4, 10))",
            source: "run")]
    }

    /// The first `$n` compared with `=` in the query (`col = $1`), the shape of a per-row lookup.
    static func equalityParameter(in query: String) -> String? {
        guard let range = query.range(of: #"= \$[0-9]+"#, options: .regularExpression) else { return nil }
        return String(query[range].dropFirst(2))
    }

    /// How far two counts of the same thing may differ and still match: statements and requests in flight
    /// when the snapshots are taken blur every count a little (15%, and 2 for small counts).
    static func countTolerance(_ count: Double) -> Double { 0.15 * count + 2 }

    /// True for a statement that only reads: a SELECT, or a WITH whose statements are all SELECTs.
    static func isRead(_ query: String) -> Bool {
        let lower = query.lowercased().trimmingCharacters(in: .whitespacesAndNewlines)
        if lower.hasPrefix("select") { return true }
        guard lower.hasPrefix("with") else { return false }
        return !["insert ", "update ", "delete ", "merge "].contains { lower.contains($0) }
    }

    /// True when `parent` reads the table the child's key column names: `… WHERE i.order_id = $1` and
    /// `SELECT … FROM orders …` (the ORM convention `<table in singular>_id`).
    static func isNamedParent(_ parent: String, of child: String) -> Bool {
        guard let key = child.range(of: #"[A-Za-z_][A-Za-z0-9_]*_id\s*=\s*\$[0-9]+"#, options: .regularExpression),
              let table = firstTable(in: parent)
        else { return false }
        let column = child[key].prefix { $0 != " " && $0 != "=" }.lowercased()
        let stem = column.dropLast(3)
        return !stem.isEmpty && table.hasPrefix(stem)
    }

    /// The first table after `FROM`, without schema or quotes, lowercased (`orders`).
    static func firstTable(in query: String) -> String? {
        guard let from = query.range(of: #"(?i)\bfrom\s+[A-Za-z0-9_."]+"#, options: .regularExpression) else { return nil }
        let table = query[from].split(whereSeparator: \.isWhitespace).last.map(String.init)?
            .split(separator: ".").last.map { $0.replacingOccurrences(of: "\"", with: "").lowercased() }
        return table?.isEmpty == false ? table : nil
    }

    static func oneLine(_ text: String, _ limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }

    static func formatted(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
