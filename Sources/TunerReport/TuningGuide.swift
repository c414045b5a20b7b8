import Foundation
import TunerCore

/// Seed 002's tuning guide with its blanks filled from what a report measured: each value carries where it came
/// from, or why this report could not know it. The Markdown report renders it in the template's order.
struct TuningGuide {
    /// One blank of the template: a measured value and its source, or `nil` and why it was not measured.
    struct Value {
        var text: String?
        /// Where the value came from, or (when `text` is nil) why it is not known.
        var source: String

        static func measured(_ text: String, _ source: String) -> Value { Value(text: text, source: source) }
        static func notMeasured(_ why: String) -> Value { Value(text: nil, source: why) }
        var isMeasured: Bool { text != nil }
    }

    /// A measured change of the log: the step before it, the step after it, its entry.
    struct Change {
        var number: Int
        var before: OptimizationStep
        var after: OptimizationStep
        var entry: OptimizationLogEntry
    }

    /// One row of the flush-interval trade-off table.
    struct IntervalRow {
        var interval: String
        var latency: String
        var writes: String
        var throughput: String
        var recommendation: String
    }

    let report: PerformanceReport
    var result: LoadResult { report.result }

    init(report: PerformanceReport) { self.report = report }

    /// The step of the log that made a change of `topic`, with the step before it.
    func change(_ topic: TuningTopic) -> Change? {
        guard let log = report.log, let index = log.steps.indices.dropFirst().first(where: { log.steps[$0].topic == topic }),
              let entry = log.entries.first(where: { $0.number == index })
        else { return nil }
        return Change(number: index, before: log.steps[index - 1], after: log.steps[index], entry: entry)
    }

    var lastUpdated: Value {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return .measured(formatter.string(from: result.finishedAt), "the end of this report's last run")
    }

    // MARK: 1. Database connection pool

    var poolSweep: SweepResult? {
        report.sweeps.first { $0.measure == "capacity" && $0.parameters.contains { $0.uppercased().contains("POOL") } }
    }

    var recommendedPool: Value {
        guard let sweep = poolSweep else {
            return .notMeasured("no sweep of the pool size in this report: `tuner sweep … --param POOL_SIZE=…` measures it")
        }
        guard let parameter = sweep.parameters.first(where: { $0.uppercased().contains("POOL") }),
              let knee = sweep.knee?[parameter]
        else { return .notMeasured("the sweep of the pool size found no knee: no size held its SLO") }
        return .measured(knee, "the knee of the sweep of \(parameter): \(sweep.recommendation ?? knee)")
    }

    var idlePool: Value {
        guard let open = recommendedPool.text else { return .notMeasured("follows the recommended pool size, not measured") }
        return .measured(open, "as many as open: the pool stays warm (pre-warming, below), so no request pays a connection's setup")
    }

    /// The sweep of the pool size, and what the capacity search named as its breaking point's limit (the judgement the
    /// capacity section and the findings state too), whichever this report has.
    var poolRationale: String? {
        let breakingPoint = result.capacity?.saturation?.first.map { "The capacity search: " + $0 + "." }
        guard let sweep = poolSweep else { return breakingPoint }
        return [sweepRationale(sweep).trimmingCharacters(in: .whitespaces), breakingPoint].compactMap { $0 }.joined(separator: " ")
    }

    private func sweepRationale(_ sweep: SweepResult) -> String {
        let parameter = sweep.parameters.first { $0.uppercased().contains("POOL") } ?? sweep.parameters.first ?? ""
        let points = sweep.points.compactMap { point -> String? in
            guard let value = point.values[parameter] else { return nil }
            guard let capacity = point.capacity else { return "\(value): \(point.failure ?? "no rate held the SLO")" }
            return "\(value): \((point.isLowerBound ? "≥ " : "") + CapacityText.rate(capacity)) req/s"
        }
        return "The sweep measured the maximum sustainable rate at the SLO (\(sweep.slo.joined(separator: ", "))) for each pool size — "
            + points.joined(separator: ", ") + ". " + (sweep.recommendation.map { "Recommended: \($0)." } ?? "")
    }

    func capacityIncrease(_ topic: TuningTopic) -> Value {
        guard let change = change(topic) else { return .notMeasured("no \(Self.name(topic)) change in this report's optimization log") }
        guard let before = change.before.result.capacity, let after = change.after.result.capacity
        else { return .notMeasured("Optimization #\(change.number) has no capacity search on both sides (`tuner run --capacity`)") }
        guard let b = before.maxSustainableRate, let a = after.maxSustainableRate, b > 0 else {
            // Both searched; one found no rate that held the SLO: a measured answer, not a missing one.
            let text = { (c: CapacityResult) in c.maxSustainableRate.map { CapacityText.rate($0) + " req/s" } ?? "none" }
            return .measured("no rate held the SLO " + (before.maxSustainableRate == nil ? "before the change" : "after it"),
                             "Optimization #\(change.number): maximum sustainable rate \(text(before)) → \(text(after)) at the SLO")
        }
        let bound = after.isLowerBound ? " (the search stopped at its maximum: at least this)" : ""
        let comparison = CapacityComparison(before: before, after: after)
        guard comparison.isBeyondUncertainty else {
            return .measured("none beyond the search's uncertainty",
                             "Optimization #\(change.number): maximum sustainable rate \(CapacityText.rate(b)) → \(CapacityText.rate(a)) "
                                 + "req/s at the SLO, \(comparison.uncertaintyText ?? "within the search's precision")")
        }
        return .measured(NumberFormat.change((a - b) / b * 100),
                         "Optimization #\(change.number): maximum sustainable rate \(CapacityText.rate(b)) → "
                             + "\((after.isLowerBound ? "≥ " : "") + CapacityText.rate(a)) req/s at the SLO\(bound)")
    }

    func latencyImprovement(_ topic: TuningTopic) -> Value {
        guard let change = change(topic) else { return .notMeasured("no \(Self.name(topic)) change in this report's optimization log") }
        guard let p99 = change.entry.comparison.overall.figure("p99"), p99.before > 0 else {
            return .notMeasured("Optimization #\(change.number) has no p99 on both sides")
        }
        let improvement = (p99.before - p99.after) / p99.before * 100
        guard p99.verdict.isBeyondNoise else {
            return .measured("none beyond run-to-run noise",
                             "Optimization #\(change.number): p99 \(p99.beforeText) → \(p99.afterText) at the same offered load, "
                                 + p99.verdict.rawValue)
        }
        return .measured(Self.improvement(before: p99.before, after: p99.after),
                         "Optimization #\(change.number): p99 \(p99.beforeText) → \(p99.afterText) at the same offered load, "
                             + "\(p99.verdict.rawValue)\(improvement < 0 ? "; negative: slower" : "")")
    }

    // MARK: 2. Buffer flush interval

    var flushSweep: SweepResult? {
        report.sweeps.first { $0.parameters.contains { $0.uppercased().contains("FLUSH") } }
    }

    var flushParameter: String? { flushSweep?.parameters.first { $0.uppercased().contains("FLUSH") } }

    var flushInterval: Value {
        guard let sweep = flushSweep, let parameter = flushParameter else {
            return .notMeasured("no sweep of a flush interval in this report: `tuner sweep … --param BUFFER_FLUSH_INTERVAL=0.5s,1s,2s,5s`")
        }
        guard let knee = sweep.knee?[parameter] else { return .notMeasured("the flush-interval sweep found no knee") }
        let seconds = (try? Duration(parsing: knee)).map { NumberFormat.significant($0.seconds) } ?? knee
        return .measured(seconds, "the knee of the sweep of \(parameter): \(sweep.recommendation ?? knee)")
    }

    /// The buffer's size limit: the batch size past which bigger batches buy little, above what one flush holds.
    var bufferSizeLimit: Value {
        guard let batch = report.batch, let knee = batch.knee else {
            return .notMeasured("no batch-size measurement in this report: `tuner db batch TABLE --apply` measures the knee")
        }
        var source = "the batch-size knee of `tuner db batch \(batch.table)` (below): larger batches add less than 10% rows/s"
        if let sweep = flushSweep, let parameter = flushParameter, let kneeValue = sweep.knee?[parameter],
           let point = sweep.points.first(where: { $0.values[parameter] == kneeValue }),
           let rows = point.service?["audit rows/flush"] {
            source += "; one \(kneeValue) flush held \(NumberFormat.significant(rows)) rows in the sweep"
            if rows > Double(knee.size) {
                source += ", more than the limit: the limit, not the timer, would flush"
            }
        }
        return .measured(String(knee.size), source)
    }

    var intervalRows: [IntervalRow] {
        guard let sweep = flushSweep, let parameter = flushParameter else { return [] }
        let knee = sweep.points.first { point in sweep.knee.map { $0[parameter] == point.values[parameter] } ?? false }
        let serviceNames = Array(Set(sweep.points.flatMap { ($0.service ?? [:]).keys })).sorted()
        return sweep.points.map { point in
            let wait = point.service?["audit wait ms"].map { "rows wait \(NumberFormat.millis($0)); " } ?? ""
            let latency = wait + (point.p95.map { "p95 \(NumberFormat.millis($0))" } ?? "-")
            let writes = point.database.map { "\(NumberFormat.significant($0.transactionsPerSecond)) tx/s" } ?? "-"
            let throughput = point.achievedRate.map { CapacityText.rate($0) + " req/s" } ?? "-"
            let note = SweepTable.note(point, knee: knee, isCapacity: false, serviceNames: serviceNames)
            return IntervalRow(interval: point.values[parameter] ?? "", latency: latency, writes: writes,
                               throughput: throughput, recommendation: note.isEmpty ? "-" : note)
        }
    }

    // MARK: 3. PostgreSQL configuration

    var settingsChange: String? { change(.postgresSettings)?.after.change }

    /// Mean database time per statement call before and after the settings change.
    var queryPerformance: Value {
        guard let change = change(.postgresSettings) else {
            return .notMeasured("no postgresql.conf change in this report's optimization log (`tuner db config --apply`, then re-run)")
        }
        guard let b = Self.meanStatementMilliseconds(change.before.result), let a = Self.meanStatementMilliseconds(change.after.result), b > 0
        else { return .notMeasured("Optimization #\(change.number) has no pg_stat_statements figures on both sides") }
        return .measured(Self.improvement(before: b, after: a),
                         "Optimization #\(change.number): mean database time per statement \(NumberFormat.millis(b)) → "
                             + "\(NumberFormat.millis(a)) (pg_stat_statements; negative: slower)")
    }

    /// Requests waiting for a pooled connection, before and after the settings change.
    var connectionHandling: Value {
        guard let change = change(.postgresSettings) else {
            return .notMeasured("no postgresql.conf change in this report's optimization log")
        }
        guard let bd = change.before.result.database, let ad = change.after.result.database else {
            return .notMeasured("Optimization #\(change.number) was not observed on the database")
        }
        let (bp, ap) = (bd.measuredPool(of: change.before.result), ad.measuredPool(of: change.after.result))
        if !bp.isEmpty, !ap.isEmpty {
            return Self.meanWaiting(bp.map(\.waiting), ap.map(\.waiting), step: change.number,
                                    what: "requests waiting for a pooled connection", source: "the service's pool metrics")
        }
        let (bc, ac) = (bd.measuredConnections(of: change.before.result), ad.measuredConnections(of: change.after.result))
        guard !bc.isEmpty, !ac.isEmpty else { return .notMeasured("no connection samples on both sides of Optimization #\(change.number)") }
        return Self.meanWaiting(bc.map(\.waiting), ac.map(\.waiting), step: change.number,
                                what: "connections waiting on a lock", source: "pg_stat_activity")
    }

    /// The change in the mean of a waiting count sampled each second, before → after a step.
    private static func meanWaiting(_ before: [Int], _ after: [Int], step: Int, what: String, source: String) -> Value {
        let b = Double(before.reduce(0, +)) / Double(before.count)
        let a = Double(after.reduce(0, +)) / Double(after.count)
        let figures = "Optimization #\(step): \(what), mean of the seconds sampled: "
            + "\(NumberFormat.significant(b)) → \(NumberFormat.significant(a)) (\(source))"
        return .measured(b == 0 ? "0% (nothing waited before)" : improvement(before: b, after: a), figures)
    }

    var cacheHitRatio: Value {
        guard let ratio = result.database?.cacheHitRatio else {
            return .notMeasured(result.database == nil ? "the database was not observed (`tuner run --db URL`)" : "no block reads in the run")
        }
        let verdict = ratio > 0.95 ? "meets the > 95% target" : "below the > 95% target"
        return .measured(NumberFormat.percent(ratio), "shared-buffer hits of the last run, pg_stat_database; \(verdict)")
    }

    // MARK: 4. Indexes

    var createdIndexes: String? { change(.indexes)?.after.change }

    /// The three most scanned indexes of the last run.
    var indexUsage: [IndexUsage] {
        Array((result.database?.indexes ?? []).sorted { ($0.scans, $0.index) > ($1.scans, $1.index) }.prefix(3))
    }

    var indexRecommendations: [String] {
        guard result.database != nil else { return [] }
        let findings = result.findingsBySeverity.filter { $0.id.contains("index") }
        if findings.isEmpty {
            return ["Keep the indexes above: the last run found no missing, unused or duplicate index."]
        }
        return findings.map { "\($0.title) (`\($0.object)`)" }
    }

    // MARK: Code level

    /// What the profile says of JSON: the share of its stacks through a JSON function and the service's own frame
    /// most of them went through (results before there were stacks: the largest cumulative share of `encoding/json`).
    var jsonIssue: Value {
        guard let profile = result.profile else {
            return .notMeasured("no CPU profile of the service in this report: `tuner run --pprof URL` takes one")
        }
        guard profile.sampledEnough else { return .notMeasured(Self.tooLittleCPU) }
        if let share = profile.jsonShare {
            let through = profile.jsonPlace.map { ", most through \($0.name)" + ($0.location.map { " (\($0))" } ?? "") } ?? ""
            return .measured(share > 0 ? "JSON takes \(NumberFormat.percent(share)) of the service's CPU\(through)"
                                : "no sampled stack went through a JSON function",
                             "the CPU profile (\(profile.profiler ?? "pprof")): the share of its samples whose stack has a JSON function")
        }
        let share = profile.cumulativeShare(ofPackage: "encoding/json")
        let text = share > 0 ? "encoding/json takes \(NumberFormat.percent(share)) of the service's CPU"
            : "no encoding/json function among the profile's largest shares"
        return .measured(text, "the CPU profile: the largest share of an encoding/json function with its callees")
    }

    static let tooLittleCPU = "the CPU profile sampled too little CPU to name a hot spot (the service was mostly idle)"

    /// What Go's mutex profile says: how long requests waited for locks, and the code that held the one they waited
    /// for most.
    var lockIssue: Value {
        guard let locks = result.lockProfile, locks.seconds > 0 else {
            return .notMeasured("no mutex profile of the service in this report: `tuner run --pprof URL` takes one when "
                + "the service calls runtime.SetMutexProfileFraction")
        }
        let perSecond = locks.total / 1e9 / locks.seconds
        let held = locks.placeToAct.map { ", most for the lock held in \($0.name)" + ($0.location.map { " (\($0))" } ?? "") } ?? ""
        return .measured("goroutines waited \(NumberFormat.significant(perSecond)) s per second for locks\(held)",
                         "Go's mutex profile, \(NumberFormat.seconds(locks.seconds)) of the steady load")
    }

    /// The lock-contention finding's fix, when the run has one.
    var lockRecommendation: String? {
        result.findings.first { $0.id == "lock-contention" }?.fix
    }

    /// The profile's hot spot: the place to act in the service's own code (with the library function it spends its
    /// share in), else the function with the largest own share; and its hottest line.
    var bottleneck: (function: Value, location: Value) {
        guard let profile = result.profile, let top = profile.top, profile.sampledEnough else {
            let why = result.profile == nil ? "no CPU profile of the service in this report: `tuner run --pprof URL` takes one"
                : result.profile?.top == nil ? "the profile has no function" : Self.tooLittleCPU
            return (.notMeasured(why), .notMeasured(why))
        }
        let source = "the CPU profile, \(NumberFormat.seconds(profile.seconds)) of the steady load"
        if let place = profile.placeToAct, place.share >= top.flat / 2 {
            let calls = place.calls.map { ", most of it in \($0)" + (place.callShare.map { " (\(NumberFormat.percent($0)))" } ?? "") } ?? ""
            return (.measured("\(place.name): \(NumberFormat.percent(place.share)) CPU time through the service's own code\(calls)",
                              source + ": the innermost frame of the service's own code"),
                    place.location.map { .measured($0, "the line of its own most of those samples were on") }
                        ?? .notMeasured("the profile has no line numbers"))
        }
        return (.measured("\(top.name): \(NumberFormat.percent(top.flat)) CPU time", source),
                top.location.map { .measured($0, "the line most of its samples were on") } ?? .notMeasured("the profile has no line numbers"))
    }

    func cpuReduction(_ topic: TuningTopic) -> Value {
        guard let change = change(topic) else { return .notMeasured("no code change in this report's optimization log") }
        guard let cpu = change.entry.comparison.service.first(where: { $0.name == "service CPU per request" }), cpu.before > 0 else {
            return .notMeasured("the service's CPU was not measured on both sides of Optimization #\(change.number) "
                + "(`--service-pid`, `--service-cgroup` or its `--metrics`)")
        }
        return .measured(Self.improvement(before: cpu.before, after: cpu.after),
                         "Optimization #\(change.number): the service's CPU per request \(cpu.beforeText) → \(cpu.afterText), "
                             + "\(cpu.verdict.rawValue); the whole code change, which no CPU profile splits by function")
    }

    var firstRequestGain: Value {
        guard let coldStart = report.coldStart else {
            return .notMeasured("no cold-start measurement in this report: `tuner coldstart URL --service CMD --param PREWARM=0,1`")
        }
        guard let (fast, slow) = coldStart.firstRequestExtremes else {
            return .notMeasured("the cold-start measurement has fewer than two settings measured")
        }
        let gain = slow.firstRequestMilliseconds! - fast.firstRequestMilliseconds!
        return .measured(NumberFormat.significant(gain),
                         "`tuner coldstart`, median of \(fast.starts.count) starts each: the first request took "
                             + "\(NumberFormat.millis(fast.firstRequestMilliseconds!)) with \(fast.name) against "
                             + "\(NumberFormat.millis(slow.firstRequestMilliseconds!)) with \(slow.name)")
    }

    var coldStartIssue: String? {
        guard let coldStart = report.coldStart else { return nil }
        return coldStart.comparison
    }

    var batchKnee: BatchResult.Size? { report.batch?.knee }

    var batchTime: (milliseconds: Value, rows: Value) {
        guard let batch = report.batch, let knee = batch.knee else {
            let why = report.batch == nil ? "no batch-size measurement in this report: `tuner db batch TABLE --upsert --apply`"
                : "the batch measurement has no size with rows/s"
            return (.notMeasured(why), .notMeasured(why))
        }
        let source = "`tuner db batch \(batch.table)\(batch.upsert ? " --upsert" : "")`, the median of \(knee.batches) batches at the knee"
        return (.measured(String(format: "%.2f", knee.millisecondsPerBatchMedian), source), .measured(String(knee.size), source))
    }

    var batchThroughput: Value {
        guard let batch = report.batch, let knee = batch.knee else { return .notMeasured("no batch-size measurement in this report") }
        let best = batch.sizes.max { $0.rowsPerSecond < $1.rowsPerSecond }
        return .measured(NumberFormat.count(UInt64(knee.rowsPerSecond.rounded())),
                         "at \(knee.size) rows per batch; the best size (\(best?.size ?? knee.size)) made "
                             + "\(NumberFormat.count(UInt64((best?.rowsPerSecond ?? 0).rounded()))) rows/s")
    }

    var maxBatchSize: Value {
        guard let batch = report.batch, let knee = batch.knee else { return .notMeasured("no batch-size measurement in this report") }
        return .measured(String(knee.size), "the smallest size within 10% of the best rows/s of `tuner db batch \(batch.table)`")
    }

    static func name(_ topic: TuningTopic) -> String {
        switch topic {
        case .indexes: "index"
        case .connectionPool: "pool-size"
        case .postgresSettings: "postgresql.conf"
        case .code: "code"
        }
    }

    /// How much lower `after` is than `before`, in percent of `before`, as the guide's "…% improvement" blanks read it:
    /// `30%`, or `−5%` when it grew.
    static func improvement(before: Double, after: Double) -> String {
        NumberFormat.change((before - after) / before * 100).replacingOccurrences(of: "+", with: "")
    }

    /// Database time per statement call over every statement of the run.
    static func meanStatementMilliseconds(_ result: LoadResult) -> Double? {
        guard let queries = result.database?.queries, !queries.isEmpty else { return nil }
        let calls = queries.reduce(Int64(0)) { $0 + $1.calls }
        return calls > 0 ? queries.reduce(0) { $0 + $1.totalMilliseconds } / Double(calls) : nil
    }
}
