import TunerCore

/// Figures several sections of the report derive from a result.
extension LoadResult {
    /// Human name of the load model.
    var modelDescription: String {
        switch configuration.model {
        case "open": "open (arrival rate: latency from each request's intended start)"
        case "closed": "closed (connections send back to back)"
        default: configuration.model
        }
    }

    /// The stages as `30s → 200 req/s, 2m → 1,000 req/s`.
    var stagesDescription: String {
        let unit = configuration.model == "open" ? "req/s" : "connections"
        return configuration.stages.map { "\(NumberFormat.seconds($0.durationSeconds)) → \(NumberFormat.number($0.target)) \(unit)" }
            .joined(separator: ", ")
    }

    /// `2 of 5 thresholds crossed` / `all 5 thresholds held` / `no thresholds in the result`.
    var verdictDescription: String {
        if thresholds.isEmpty { return "no thresholds in the result" }
        let failed = thresholds.filter { !$0.passed }.count
        return failed == 0 ? "all \(thresholds.count) thresholds held" : "\(failed) of \(thresholds.count) thresholds crossed"
    }

    /// The request name of a run that sent only one kind of request (its per-request figures are that endpoint's).
    var soleEndpoint: String? { requests.count == 1 ? requests[0].name : nil }

    /// True when a table of this result shows a percentile as `too few` (an endpoint or all requests).
    var hasTooFewPercentiles: Bool {
        (requests + [overall]).contains { stats in [50, 95, 99, 99.9].contains { stats.latency.isTooFew(atPercentile: $0) } }
    }

    /// Errors of every kind, most frequent first.
    var errorBreakdown: [(kind: String, count: UInt64)] {
        overall.errors.filter { $0.value > 0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
    }

    /// The findings, most severe first, keeping the producers' order within a severity.
    var findingsBySeverity: [Finding] {
        findings.enumerated().sorted { ($0.element.severity, -$0.offset) > ($1.element.severity, -$1.offset) }.map(\.element)
    }
}

extension DatabaseRun {
    /// Statements sorted by database time, largest first.
    var queriesByTime: [QueryStats] { queries.sorted { $0.totalMilliseconds > $1.totalMilliseconds } }

    /// The connection samples inside the measured window of `result` (all when the series is empty).
    func measuredConnections(of result: LoadResult) -> [ConnectionSample] {
        let window = Set(result.series.filter { !$0.isWarmUp }.map(\.second))
        return window.isEmpty ? connections : connections.filter { window.contains($0.second) }
    }

    func measuredPool(of result: LoadResult) -> [PoolSample] {
        let window = Set(result.series.filter { !$0.isWarmUp }.map(\.second))
        return window.isEmpty ? pool : pool.filter { window.contains($0.second) }
    }
}

extension IndexUsage {
    /// Rows fetched per index entry read: low when the index finds many entries whose rows are then discarded.
    var efficiency: Double? { tuplesRead > 0 ? Double(tuplesFetched) / Double(tuplesRead) : nil }
    var qualifiedTable: String { schema == "public" ? table : "\(schema).\(table)" }
}

extension TableActivity {
    var qualifiedName: String { schema == "public" ? table : "\(schema).\(table)" }
}

extension Threshold {
    /// The comparison and the limit in the metric's unit: `< 100 ms`, `< 1%`, `> 500 req/s`.
    var limitDescription: String {
        let value: String
        switch metric {
        case .percentile, .mean, .min, .max: value = NumberFormat.millis(limit)
        case .errorRate: value = NumberFormat.percent(limit)
        case .rps: value = NumberFormat.rate(limit)
        case .count, .errors: value = NumberFormat.number(limit)
        }
        return "\(comparison.rawValue) \(value)"
    }
}

/// One line of the test parameters, as plain text; each format escapes and styles it.
struct ParameterFact {
    var name: String
    var value: String
    var isCode = false
    /// Shown flagged beside the value: the reader must know before trusting the numbers.
    var warning: String?
}

extension LoadResult {
    /// The run's parameters in the order a baseline report lists them.
    var parameterFacts: [ParameterFact] {
        let c = configuration
        var facts = [ParameterFact(name: "target", value: c.target, isCode: true),
                     ParameterFact(name: "model", value: modelDescription)]
        if let profile = c.profile { facts.append(.init(name: "profile", value: profile)) }
        if !c.stages.isEmpty { facts.append(.init(name: "stages", value: stagesDescription)) }
        facts.append(.init(name: "duration", value: "\(NumberFormat.seconds(c.durationSeconds)) (warm-up \(NumberFormat.seconds(c.warmUpSeconds)) excluded from the statistics)"))
        if let rate = c.rate { facts.append(.init(name: "peak rate", value: NumberFormat.rate(rate))) }
        facts.append(.init(name: c.model == "open" ? "connection pool" : "connections", value: String(c.connections)))
        if let cap = c.maxInFlight { facts.append(.init(name: "in-flight cap", value: String(cap))) }
        facts.append(.init(name: "timeouts", value: "connect \(NumberFormat.seconds(c.connectTimeoutSeconds)), request \(NumberFormat.seconds(c.requestTimeoutSeconds))"))
        facts.append(.init(name: "event loops", value: String(c.eventLoops)))
        let g = generator
        var cpu = "CPU mean \(NumberFormat.percent(g.cpuPercentMean / 100)), max \(NumberFormat.percent(g.cpuPercentMax / 100)) of \(g.cores) cores"
        if let rss = g.maxResidentBytes { cpu += ", peak memory \(NumberFormat.bytes(rss))" }
        facts.append(.init(name: "load generator", value: cpu, warning: g.wasBottleneck ? "the generator was the bottleneck" : nil))
        if let s = schedule {
            let lateShare = s.planned > 0 ? Double(s.late + s.dropped) / Double(s.planned) : 0
            facts.append(.init(
                name: "schedule",
                value: "target \(NumberFormat.rate(s.targetRate)), achieved \(NumberFormat.rate(s.achievedRate)); planned \(NumberFormat.count(s.planned)), sent \(NumberFormat.count(s.sent)), late \(NumberFormat.count(s.late)), dropped \(NumberFormat.count(s.dropped))",
                warning: lateShare > 0.01 ? "\(NumberFormat.percent(lateShare)) late or dropped" : nil))
        }
        if shards > 1 { facts.append(.init(name: "shards", value: "\(shards) merged")) }
        facts.append(.init(name: "run", value: "\(NumberFormat.timestamp(startedAt)) → \(NumberFormat.timestamp(finishedAt)), \(tool)"))
        return facts
    }
}

extension Finding.Evidence {
    /// The value as printed, with large whole numbers grouped (`1,414,600,000`).
    var displayValue: String {
        if let n = number, n.isFinite, n == n.rounded(), abs(n) >= 10_000, value == String(Int64(n)) {
            return NumberFormat.count(Int64(n))
        }
        return value
    }
}
