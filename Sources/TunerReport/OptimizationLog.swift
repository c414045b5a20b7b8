import Foundation
import TunerCore

/// One labelled run of a tuning loop: the baseline, or the run after one change.
public struct OptimizationStep: Sendable {
    /// A short name: `baseline`, `index on orders(customer_id)`.
    public var label: String
    /// What was changed before this run (SQL, a setting); nil for the baseline. When nil for a later
    /// step, the log names the fixes of the findings that disappeared.
    public var change: String?
    public var result: LoadResult
    /// Which part of the tuning guide the change belongs to, when the caller knows (the report's filled-in guide
    /// takes each section's before and after from the step of its topic).
    public var topic: TuningTopic?

    public init(label: String, change: String? = nil, result: LoadResult, topic: TuningTopic? = nil) {
        self.label = label
        self.change = change
        self.result = result
        self.topic = topic
    }

    /// The maximum sustainable rate of the step's capacity search, when it ran and something passed.
    public var capacityRate: Double? { result.capacity?.maxSustainableRate }
}

/// The guides' optimization log, filled: one entry per change (issue, evidence, change, before, after,
/// impact, conclusion), each judged by the noise rule against the step before it.
public struct OptimizationLog: Sendable {
    public var steps: [OptimizationStep]
    public var entries: [OptimizationLogEntry]

    /// Builds the entries for `steps` (the first is the baseline; one entry per later step).
    public init(steps: [OptimizationStep], rule: NoiseRule = .standard) {
        self.init(steps: steps, rule: rule, known: nil)
    }

    /// `known` is the comparison of the last two steps when the caller already has it (it costs a
    /// decode of every second's histogram).
    init(steps: [OptimizationStep], rule: NoiseRule, known: RunComparison?) {
        self.steps = steps
        entries = steps.indices.dropFirst().map { i in
            OptimizationLogEntry(number: i, before: steps[i - 1], after: steps[i], rule: rule,
                                 comparison: i == steps.count - 1 ? known : nil)
        }
    }
}

/// One filled "Optimization #N" entry.
public struct OptimizationLogEntry: Sendable {
    public var number: Int
    public var name: String
    public var date: Date
    /// The bottleneck the change addressed.
    public var issue: String
    /// The numbers that showed it, from the run before the change.
    public var evidence: [String]
    /// Why the change should help (the finding's reasoning), if known.
    public var hypothesis: String?
    public var change: String
    public var before: [String]
    public var after: [String]
    /// The changes beyond noise, or a statement that there were none.
    public var impact: [String]
    public var conclusion: String
    /// Findings of the before run that the after run no longer has.
    public var resolved: [Finding]
    public var comparison: RunComparison

    init(number: Int, before: OptimizationStep, after: OptimizationStep, rule: NoiseRule, comparison known: RunComparison?) {
        self.number = number
        name = after.label
        date = after.result.startedAt
        let comparison = known ?? RunComparison(before: before.result, after: after.result, rule: rule)
        self.comparison = comparison
        let remaining = Set(after.result.findings.map { "\($0.id)|\($0.object)" })
        resolved = before.result.findings
            .filter { !remaining.contains("\($0.id)|\($0.object)") }
            .sorted { $0.severity > $1.severity }
        let failed = before.result.thresholds.filter { !$0.passed }
        if let top = resolved.first {
            issue = "\(top.title) (\(top.id), \(top.severity))"
            evidence = top.evidence.map { "\($0.name): \($0.displayValue)" }
            hypothesis = top.why
        } else if !failed.isEmpty {
            issue = "thresholds crossed: " + failed.map { "\($0.threshold) (measured \($0.measuredDescription))" }
                .joined(separator: "; ")
            evidence = failed.map { "\($0.threshold): \($0.measuredDescription)" }
            hypothesis = nil
        } else if let top = before.result.findings.max(by: { $0.severity < $1.severity }) {
            issue = "\(top.title) (\(top.id), \(top.severity))"
            evidence = top.evidence.map { "\($0.name): \($0.displayValue)" }
            hypothesis = top.why
        } else {
            issue = "no finding or crossed threshold recorded in the run before the change"
            evidence = []
            hypothesis = nil
        }
        if let text = after.change, !text.isEmpty {
            change = text
        } else if !resolved.compactMap(\.fix).isEmpty {
            change = resolved.compactMap(\.fix).joined(separator: "\n")
            // No description was given: name the entry after what it resolved.
            name = "\(resolved[0].id) on \(resolved[0].object) resolved"
        } else {
            change = "not recorded (pass --change to say what changed)"
        }
        self.before = Self.figures(before.result)
        self.after = Self.figures(after.result)
        impact = Self.impact(comparison)
        conclusion = Self.conclusion(comparison, before: before.result, after: after.result, resolved: resolved)
        if let change = Self.capacityChange(before: before.result, after: after.result) {
            impact = impact == [Self.noChange] ? [change] : [change] + impact
            conclusion += " " + change.prefix(1).uppercased() + change.dropFirst() + "."
        }
    }

    static let noChange = "no change beyond run-to-run noise"

    /// The changes beyond noise: overall figures, then one line per endpoint, then the database.
    static func impact(_ c: RunComparison) -> [String] {
        func detail(_ f: MetricChange) -> String {
            "\(f.name): \(f.beforeText) → \(f.afterText) (\(f.changeText), \(f.verdict == .improved ? "better" : "worse"))"
        }
        var lines = c.overall.figures.filter(\.verdict.isBeyondNoise).map { "all requests " + detail($0) }
        for endpoint in c.endpoints.dropFirst() {
            let changed = endpoint.figures.filter(\.verdict.isBeyondNoise)
            guard !changed.isEmpty else { continue }
            lines.append("\(endpoint.name): " + changed.map { "\($0.name) \($0.changeText)" }.joined(separator: ", "))
        }
        lines += c.database.filter(\.verdict.isBeyondNoise).map(detail)
        return lines.isEmpty ? [noChange] : lines
    }

    /// The capacity at the SLO before and after, when both steps searched for it: `max req/s at the SLO
    /// 5.55 → 61.2 (+1,003%)`. The searches' intervals are the noise: a change while they overlap is not credited.
    static func capacityChange(before: LoadResult, after: LoadResult) -> String? {
        guard let b = before.capacity, let a = after.capacity else { return nil }
        let text = { (c: CapacityResult) in
            c.maxSustainableRate.map { (c.isLowerBound ? "≥ " : "") + NumberFormat.number($0) } ?? "none"
        }
        let comparison = CapacityComparison(before: b, after: a)
        var line = "max req/s at the SLO \(text(b)) → \(text(a))"
        if comparison.isBeyondUncertainty {
            if let change = comparison.change { line += " (\(NumberFormat.change(change * 100)))" }
        } else {
            line += " (" + CapacityComparison.withinUncertainty + (comparison.uncertaintyText.map { ": \($0)" } ?? "") + ")"
        }
        return line
    }

    /// The headline figures of a run, as the log's Before/After lines show them.
    static func figures(_ r: LoadResult) -> [String] {
        var out = [
            "throughput \(NumberFormat.rate(r.overall.rps))",
            "p50 \(NumberFormat.millis(r.overall.latency.p50)), p95 \(NumberFormat.millis(r.overall.latency.p95)), p99 \(NumberFormat.millis(r.overall.latency.p99))",
            "errors \(NumberFormat.percent(r.overall.errorRate))",
        ]
        if let db = r.database, !db.queries.isEmpty, r.overall.count > 0 {
            out.append("database time \(NumberFormat.millis(db.totalQueryMilliseconds / Double(r.overall.count)))/request")
        }
        if !r.thresholds.isEmpty {
            let passed = r.thresholds.filter(\.passed).count
            out.append("thresholds \(passed)/\(r.thresholds.count) passed")
        }
        if let capacity = r.capacity {
            out.append("max req/s at the SLO " + (capacity.maxSustainableRate.map {
                (capacity.isLowerBound ? "≥ " : "") + NumberFormat.rate($0)
            } ?? "none (no rate met it)"))
        }
        return out
    }

    private static func conclusion(_ c: RunComparison, before: LoadResult, after: LoadResult, resolved: [Finding])
        -> String
    {
        let overall = c.overall.figures
        let latency = overall.filter { $0.unit == .milliseconds }
        let improved = latency.filter { $0.verdict == .improved }
        let regressed = overall.filter { $0.verdict == .regressed }
        var text: String
        switch (improved.isEmpty, regressed.isEmpty) {
        case (false, true):
            // The figure the guides' targets speak of first: p99, then p95, p50, p99.9.
            let best = ["p99", "p95", "p50", "p99.9"].lazy.compactMap { name in improved.first { $0.name == name } }.first ?? improved[0]
            text = "Success: \(best.name) \(best.beforeText) → \(best.afterText) (\(best.changeText)) beyond run-to-run noise, nothing regressed."
        case (false, false):
            text = "Mixed: latency improved (" + improved.map { "\($0.name) \($0.changeText)" }.joined(separator: ", ")
                + ") but " + regressed.map { "\($0.name) \($0.changeText)" }.joined(separator: ", ") + " regressed."
        case (true, false):
            text = "Regression: " + regressed.map { "\($0.name) \($0.changeText)" }.joined(separator: ", ")
                + " beyond noise; revert or investigate."
        case (true, true):
            let rps = overall.first { $0.name == "rps" }
            text = rps?.verdict == .improved
                ? "Success: throughput \(rps!.changeText) beyond noise at unchanged latency."
                : "No measurable effect on the HTTP figures beyond run-to-run noise."
        }
        if !before.thresholds.isEmpty {
            if !before.thresholdsPassed && after.thresholdsPassed && !after.thresholds.isEmpty {
                text += " Every threshold now holds."
            } else if before.thresholdsPassed && !after.thresholdsPassed {
                text += " Thresholds that held before are now crossed."
            }
        }
        if !resolved.isEmpty {
            text += " Resolved: " + resolved.map { "\($0.id) on \($0.object)" }.joined(separator: ", ") + "."
        }
        return text
    }
}
