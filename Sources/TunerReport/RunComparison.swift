import TunerCore

/// Before/after for every endpoint and the database figures of two runs, each change judged by the noise rule.
public struct RunComparison: Sendable {
    /// `all` first, then every request name of either run (in the after run's order).
    public var endpoints: [EndpointComparison]
    /// Database-wide figures (time and queries per request, cache hit, connections, pool); empty
    /// unless both runs observed the database.
    public var database: [MetricChange]
    /// The statements that mattered in either run, matched by query id (or text).
    public var queries: [QueryComparison]
    /// The service's own figures (CPU per request, memory peak); empty unless both runs measured the service.
    public var service: [MetricChange] = []
    public var rule: NoiseRule

    /// Compares `after` against `before`.
    public init(before: LoadResult, after: LoadResult, rule: NoiseRule = .standard) {
        self.rule = rule
        let seriesBefore = MeasuredSeries(before)
        let seriesAfter = MeasuredSeries(after)
        var endpoints = [EndpointComparison(
            name: "all",
            figures: Self.overallFigures(before.overall, after.overall, seriesBefore, seriesAfter, rule))]
        var names = after.requests.map(\.name)
        for name in before.requests.map(\.name) where !names.contains(name) { names.append(name) }
        for name in names {
            let b = before.requests.first { $0.name == name }
            let a = after.requests.first { $0.name == name }
            guard let b, let a else {
                endpoints.append(EndpointComparison(name: name, figures: [], presence: b == nil ? .onlyAfter : .onlyBefore))
                continue
            }
            endpoints.append(EndpointComparison(
                name: name, figures: Self.endpointFigures(b, a, seriesBefore, seriesAfter, rule)))
        }
        self.endpoints = endpoints
        if let db = before.database, let da = after.database {
            database = Self.databaseFigures(db, da, before: before, after: after, rule: rule)
            queries = Self.queryComparisons(db, da, requestsBefore: before.overall.count,
                                            requestsAfter: after.overall.count, rule: rule)
        } else {
            database = []
            queries = []
        }
        if let sb = before.service, let sa = after.service {
            service = Self.serviceFigures(sb, sa, before: before, after: after, rule: rule)
        }
    }

    /// The overall figures of both runs (the `all` row).
    public var overall: EndpointComparison { endpoints[0] }

    /// Every change beyond noise, endpoints first, then the database.
    public var significantChanges: [(scope: String, change: MetricChange)] {
        var out: [(scope: String, change: MetricChange)] = []
        for e in endpoints { for f in e.figures where f.verdict.isBeyondNoise { out.append((e.name, f)) } }
        for f in database where f.verdict.isBeyondNoise { out.append(("database", f)) }
        for f in service where f.verdict.isBeyondNoise { out.append(("service", f)) }
        return out
    }

    /// Requests a percentile's tail must hold for its sampling error to be estimated.
    static let minimumTailSamples = 10.0

    static var percentiles: [(name: String, q: Double, path: KeyPath<LatencySummary, Double>)] {
        [
        ("p50", 50, \.p50), ("p95", 95, \.p95), ("p99", 99, \.p99), ("p99.9", 99.9, \.p999),
        ]
    }

    /// The `all` row: judged directly on the per-second series where they exist.
    private static func overallFigures(_ b: RequestStats, _ a: RequestStats, _ sb: MeasuredSeries, _ sa: MeasuredSeries,
                                       _ rule: NoiseRule) -> [MetricChange] {
        var figures = [rule.change(
            "rps", unit: .requestsPerSecond, before: b.rps, after: a.rps, direction: .higherIsBetter,
            estimate: .series(before: sb.requestsPerSecond, after: sa.requestsPerSecond, label: "per-second requests"))]
        for (name, q, path) in percentiles {
            let estimate: NoiseRule.Estimate
            if let vb = sb.latency(atPercentile: q), let va = sa.latency(atPercentile: q), vb.count >= 2, va.count >= 2 {
                estimate = .series(before: vb, after: va, label: "per-second \(name)")
            } else {
                estimate = percentileEstimate(q, b, a, sb, sa)
            }
            figures.append(rule.change(name, unit: .milliseconds, before: b.latency[keyPath: path],
                                       after: a.latency[keyPath: path], direction: .lowerIsBetter, estimate: estimate))
        }
        figures.append(rule.change(
            "error rate", unit: .fraction, before: b.errorRate, after: a.errorRate, direction: .lowerIsBetter,
            estimate: .series(before: sb.errorRate, after: sa.errorRate, label: "per-second error rate")))
        return figures
    }

    /// One endpoint's row: the result has no per-second series per endpoint, so each figure's noise is
    /// its own sampling error combined with the run's second-to-second variation (docs/report.md).
    private static func endpointFigures(_ b: RequestStats, _ a: RequestStats, _ sb: MeasuredSeries, _ sa: MeasuredSeries,
                                        _ rule: NoiseRule) -> [MetricChange] {
        func rateError(_ s: RequestStats, _ series: MeasuredSeries) -> Double {
            let relative = MeasuredSeries.relativeStandardError(series.requestsPerSecond)
            let poisson = s.count > 0 ? 1 / Double(s.count) : 1
            return s.rps * (relative * relative + poisson).squareRoot()
        }
        var figures = [rule.change(
            "rps", unit: .requestsPerSecond, before: b.rps, after: a.rps, direction: .higherIsBetter,
            estimate: .standardErrors(before: rateError(b, sb), after: rateError(a, sa),
                                      label: "count and per-second variation"))]
        for (name, q, path) in percentiles {
            figures.append(rule.change(name, unit: .milliseconds, before: b.latency[keyPath: path],
                                       after: a.latency[keyPath: path], direction: .lowerIsBetter,
                                       estimate: percentileEstimate(q, b, a, sb, sa)))
        }
        func binomialError(_ s: RequestStats) -> Double {
            s.count > 0 ? (s.errorRate * (1 - s.errorRate) / Double(s.count)).squareRoot() : .nan
        }
        figures.append(rule.change(
            "error rate", unit: .fraction, before: b.errorRate, after: a.errorRate, direction: .lowerIsBetter,
            estimate: .standardErrors(before: binomialError(b), after: binomialError(a), label: "binomial")))
        return figures
    }

    /// A percentile's standard error: the quantile's sampling error from the histogram, combined with the
    /// relative per-second variation of the nearest per-second percentile (p50 below p75, p99 above).
    private static func percentileEstimate(_ q: Double, _ b: RequestStats, _ a: RequestStats, _ sb: MeasuredSeries,
                                           _ sa: MeasuredSeries) -> NoiseRule.Estimate {
        // The tail beyond a percentile must hold a few samples, or its value is one outlier's.
        let tail = Double(min(b.count, a.count)) * (1 - q / 100)
        if tail < minimumTailSamples {
            return .tooFewSamples(reason: "\(Int(tail.rounded(.down))) requests beyond \(q == 99.9 ? "p99.9" : "p\(Int(q))") in the smaller run; \(Int(minimumTailSamples)) needed")
        }
        func error(_ s: RequestStats, _ series: MeasuredSeries) -> Double {
            guard let h = try? s.latencyHistogram() else { return .nan }
            let value = h.millis(atPercentile: q)
            let relative = MeasuredSeries.relativeStandardError(q < 75 ? series.p50 : series.p99)
            let sampling = MeasuredSeries.percentileStandardError(h, q)
            return ((value * relative) * (value * relative) + sampling * sampling).squareRoot()
        }
        return .standardErrors(before: error(b, sb), after: error(a, sa), label: "quantile interval and per-second variation")
    }
}

/// One endpoint's figures in both runs.
public struct EndpointComparison: Sendable {
    public var name: String
    /// rps, p50, p95, p99, p99.9, error rate (empty when the endpoint is in one run only).
    public var figures: [MetricChange]
    public var presence: Presence

    /// Whether the endpoint was measured in both runs.
    public enum Presence: Sendable {
        case both, onlyBefore, onlyAfter
    }

    init(name: String, figures: [MetricChange], presence: Presence = .both) {
        self.name = name
        self.figures = figures
        self.presence = presence
    }

    /// The figure called `name` (`p99`, `rps`, …).
    public func figure(_ name: String) -> MetricChange? { figures.first { $0.name == name } }
}
