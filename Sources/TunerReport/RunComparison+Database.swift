import TunerCore

/// One statement in both runs: matched by query id, or by its normalized text when the ids differ.
public struct QueryComparison: Sendable {
    public var query: String
    public var before: QueryStats?
    public var after: QueryStats?
    /// Calls per HTTP request and mean time per call (empty when the statement ran in one run only).
    public var figures: [MetricChange]
}

extension RunComparison {
    static func databaseFigures(_ b: DatabaseRun, _ a: DatabaseRun, before: LoadResult, after: LoadResult,
                                rule: NoiseRule) -> [MetricChange] {
        let requestsBefore = Double(max(before.overall.count, 1))
        let requestsAfter = Double(max(after.overall.count, 1))
        var out: [MetricChange] = []
        if !b.queries.isEmpty || !a.queries.isEmpty {
            var estimate = NoiseRule.Estimate.unknown(reason: "per-call stddev not recorded")
            if let eb = timeError(b, requestsBefore), let ea = timeError(a, requestsAfter) {
                estimate = .standardErrors(before: eb, after: ea, label: "per-call stddev")
            }
            out.append(rule.change(
                "database time per request", unit: .milliseconds,
                before: b.totalQueryMilliseconds / requestsBefore, after: a.totalQueryMilliseconds / requestsAfter,
                direction: .lowerIsBetter, estimate: estimate))
            out.append(rule.change(
                "queries per request", unit: .perRequest,
                before: Double(b.totalCalls) / requestsBefore, after: Double(a.totalCalls) / requestsAfter,
                direction: .lowerIsBetter, estimate: .exact))
        }
        if !b.tables.isEmpty || !a.tables.isEmpty {
            out.append(rule.change(
                "rows read by sequential scans per request", unit: .perRequest,
                before: Double(b.tables.reduce(0) { $0 + $1.sequentialRowsRead }) / requestsBefore,
                after: Double(a.tables.reduce(0) { $0 + $1.sequentialRowsRead }) / requestsAfter,
                direction: .lowerIsBetter, estimate: .exact))
        }
        if let hb = b.cacheHitRatio, let ha = a.cacheHitRatio {
            out.append(rule.change("cache hit ratio", unit: .fraction, before: hb, after: ha,
                                   direction: .higherIsBetter, estimate: .ratio))
        }
        let measuredBefore = Set(before.series.filter { !$0.isWarmUp }.map(\.second))
        let measuredAfter = Set(after.series.filter { !$0.isWarmUp }.map(\.second))
        func inWindow<T>(_ samples: [T], _ window: Set<Int>, second: (T) -> Int) -> [T] {
            window.isEmpty ? samples : samples.filter { window.contains(second($0)) }
        }
        let cb = inWindow(b.connections, measuredBefore, second: \.second)
        let ca = inWindow(a.connections, measuredAfter, second: \.second)
        if !cb.isEmpty && !ca.isEmpty {
            let figures: [(String, (ConnectionSample) -> Double)] = [
                ("active connections (mean)", { Double($0.active) }),
                ("connections waiting on locks (mean)", { Double($0.waiting) }),
            ]
            for (name, value) in figures {
                let vb = cb.map(value)
                let va = ca.map(value)
                out.append(rule.change(name, unit: .count, before: mean(vb), after: mean(va), direction: .lowerIsBetter,
                                       estimate: .series(before: vb, after: va, label: "per-second samples")))
            }
        }
        let pb = inWindow(b.pool, measuredBefore, second: \.second)
        let pa = inWindow(a.pool, measuredAfter, second: \.second)
        if !pb.isEmpty && !pa.isEmpty {
            let vb = pb.map { Double($0.waiting) }
            let va = pa.map { Double($0.waiting) }
            out.append(rule.change("pool waiters (mean)", unit: .count, before: mean(vb), after: mean(va),
                                   direction: .lowerIsBetter,
                                   estimate: .series(before: vb, after: va, label: "per-second samples")))
        }
        return out
    }

    /// The top statements of either run by database time, each with calls per request and mean time.
    static func queryComparisons(_ b: DatabaseRun, _ a: DatabaseRun, requestsBefore: UInt64, requestsAfter: UInt64,
                                 rule: NoiseRule, limit: Int = 8) -> [QueryComparison] {
        let topBefore = b.queries.sorted { $0.totalMilliseconds > $1.totalMilliseconds }.prefix(limit)
        let topAfter = a.queries.sorted { $0.totalMilliseconds > $1.totalMilliseconds }.prefix(limit)
        func match(_ q: QueryStats, in list: [QueryStats]) -> QueryStats? {
            list.first { $0.queryID == q.queryID } ?? list.first { $0.query.collapsingWhitespace == q.query.collapsingWhitespace }
        }
        var out: [QueryComparison] = []
        var seenAfter = Set<String>()
        let rb = Double(max(requestsBefore, 1))
        let ra = Double(max(requestsAfter, 1))
        for q in topBefore {
            let other = match(q, in: a.queries)
            if let other { seenAfter.insert(other.queryID) }
            out.append(QueryComparison(query: q.query, before: q, after: other,
                                       figures: other.map { queryFigures(q, $0, rb, ra, rule) } ?? []))
        }
        for q in topAfter where !seenAfter.contains(q.queryID) {
            let other = match(q, in: b.queries)
            guard !out.contains(where: { $0.before?.queryID == other?.queryID && other != nil }) else { continue }
            out.append(QueryComparison(query: q.query, before: other, after: q,
                                       figures: other.map { queryFigures($0, q, rb, ra, rule) } ?? []))
        }
        return out
    }

    private static func queryFigures(_ b: QueryStats, _ a: QueryStats, _ rb: Double, _ ra: Double, _ rule: NoiseRule)
        -> [MetricChange] {
        let estimate: NoiseRule.Estimate
        if let sb = b.stddevMilliseconds, let sa = a.stddevMilliseconds {
            estimate = .moments(before: SampleMoments(mean: b.meanMilliseconds, standardDeviation: sb, count: Int(b.calls)),
                                after: SampleMoments(mean: a.meanMilliseconds, standardDeviation: sa, count: Int(a.calls)),
                                label: "per-call times")
        } else {
            estimate = .unknown(reason: "per-call stddev not recorded")
        }
        return [
            rule.change("calls per request", unit: .perRequest, before: Double(b.calls) / rb, after: Double(a.calls) / ra,
                        direction: .lowerIsBetter, estimate: .exact),
            rule.change("mean time", unit: .milliseconds, before: b.meanMilliseconds, after: a.meanMilliseconds,
                        direction: .lowerIsBetter, estimate: estimate),
        ]
    }

    /// Standard error of database time per request from the statements' per-call spread, if every one has it.
    private static func timeError(_ run: DatabaseRun, _ requests: Double) -> Double? {
        var variance = 0.0
        for q in run.queries {
            guard let sd = q.stddevMilliseconds else { return nil }
            variance += Double(q.calls) * sd * sd
        }
        return variance.squareRoot() / requests
    }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }
}

extension DatabaseRun {
    /// Database time of every recorded statement together, in milliseconds.
    var totalQueryMilliseconds: Double { queries.reduce(0) { $0 + $1.totalMilliseconds } }
    /// Calls of every recorded statement together.
    var totalCalls: Int64 { queries.reduce(0) { $0 + $1.calls } }
}
