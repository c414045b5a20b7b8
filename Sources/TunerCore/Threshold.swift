import Foundation
/// A target from the guides' tables, as a check: `p95 < 100ms`, `error_rate < 1%`, `rps > 500`.
///
/// Latency metrics: `p50`, `p90`, `p95`, `p99`, `p99.9` (any `pN`), `mean`/`avg`, `min`, `max`;
/// values take `us`, `ms`, `s` (a bare number is milliseconds, as in k6). Rates: `error_rate`
/// with `%` or a fraction. Throughput: `rps`. Counts: `count`, `errors`.
///
/// A window after the metric, `p99[1m] < 200ms`, `error_rate[30s] < 1%`, judges it over every sliding window of
/// that length during the run (all requests together, or the scope's requests) instead of over the whole run; with
/// `abort` a window that fails stops the run.
public struct Threshold: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The request name the threshold applies to, or `all`.
    public var scope: String
    public var metric: Metric
    public var comparison: Comparison
    /// The limit in the metric's unit: milliseconds, a fraction (0.01 = 1%), requests/s or a count.
    public var limit: Double
    /// The expression as written.
    public var expression: String
    /// Judged over each sliding window of this many seconds instead of the whole run; `nil` for the whole run.
    public var windowSeconds: Double?
    /// A failing window stops the run (`abort_on_fail`), once this much of the measured time has passed.
    public var abort: AbortRule?

    /// k6's `abortOnFail` with `delayAbortEval`.
    public struct AbortRule: Codable, Sendable, Hashable {
        /// Measured seconds before a failing window may stop the run.
        public var delaySeconds: Double
        public init(delaySeconds: Double = 0) { self.delaySeconds = delaySeconds }
    }

    public enum Metric: Codable, Sendable, Hashable, CustomStringConvertible {
        case percentile(Double)
        case mean, min, max
        case errorRate
        case rps
        case count, errors

        public var description: String {
            switch self {
            case .percentile(let p): p == p.rounded() ? "p\(Int(p))" : "p\(p)"
            case .mean: "mean"
            case .min: "min"
            case .max: "max"
            case .errorRate: "error_rate"
            case .rps: "rps"
            case .count: "count"
            case .errors: "errors"
            }
        }

        public var isLatency: Bool {
            switch self {
            case .percentile, .mean, .min, .max: true
            default: false
            }
        }
    }

    public enum Comparison: String, Codable, Sendable, Hashable {
        case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "=="

        func holds(_ lhs: Double, _ rhs: Double) -> Bool {
            switch self {
            case .less: lhs < rhs
            case .lessOrEqual: lhs <= rhs
            case .greater: lhs > rhs
            case .greaterOrEqual: lhs >= rhs
            case .equal: lhs == rhs
            }
        }
    }

    public var description: String { scope == "all" ? expression : "\(scope): \(expression)" }

    /// Parses one expression for one scope; the error names what is accepted.
    public init(scope: String, parsing text: String) throws(ParseError) {
        self.scope = scope
        let expression = text.trimmingWhitespace()
        self.expression = expression
        let ops = ["<=", ">=", "==", "<", ">"]
        guard let op = ops.first(where: { expression.contains($0) }),
              let range = expression.range(of: op)
        else {
            throw ParseError(
                "bad threshold '\(text)': expected METRIC OP VALUE, e.g. 'p95 < 100ms', 'error_rate < 1%', 'rps > 500'")
        }
        comparison = Comparison(rawValue: op)!
        var name = String(expression[..<range.lowerBound]).trimmingWhitespace().lowercased()
        let valueText = String(expression[range.upperBound...]).trimmingWhitespace()
        if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
            let windowText = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
            guard let window = try? Duration(parsing: windowText), window >= .seconds(1) else {
                throw ParseError("bad threshold '\(text)': the window '[\(windowText)]' must be a duration of 1s or more, e.g. p99[1m] < 200ms")
            }
            windowSeconds = window.seconds.rounded()
            name = String(name[..<open]).trimmingWhitespace()
        }
        metric = try Self.parseMetric(name, in: text)
        limit = try Self.parseLimit(valueText, for: metric, in: text)
    }

    private static func parseMetric(_ name: String, in text: String) throws(ParseError) -> Metric {
        switch name {
        case "mean", "avg": return .mean
        case "min": return .min
        case "max": return .max
        case "error_rate", "errors_rate", "http_req_failed": return .errorRate
        case "rps", "throughput": return .rps
        case "count", "requests": return .count
        case "errors": return .errors
        default:
            var digits = Substring(name)
            if digits.hasPrefix("p(") && digits.hasSuffix(")") { digits = digits.dropFirst(2).dropLast() }
            else if digits.hasPrefix("p") { digits = digits.dropFirst() }
            if let p = Double(digits), p > 0, p <= 100 { return .percentile(p) }
            throw ParseError(
                "bad threshold '\(text)': unknown metric '\(name)'; accepted: p50, p90, p95, p99, p99.9, mean, min, max, error_rate, rps, count, errors")
        }
    }

    private static func parseLimit(_ text: String, for metric: Metric, in expression: String) throws(ParseError)
        -> Double
    {
        let lower = text.lowercased()
        switch metric {
        case .percentile, .mean, .min, .max:
            if let ms = Double(lower) { return ms }
            do {
                return try Duration(parsing: lower).seconds * 1000
            } catch {
                throw ParseError("bad threshold '\(expression)': '\(text)' is not a latency; use e.g. 100ms, 1.5s, 800us")
            }
        case .errorRate:
            if let (fraction, isPercent) = Percentage.parse(lower), isPercent || fraction <= 1 { return fraction }
            throw ParseError("bad threshold '\(expression)': '\(text)' is not a rate; use e.g. 1% or 0.01")
        case .rps, .count, .errors:
            if let n = Double(lower.replacingUnderscores()) { return n }
            throw ParseError("bad threshold '\(expression)': '\(text)' is not a number")
        }
    }

    /// The measured value of this threshold's metric in `stats`, in the limit's unit.
    public func measured(in stats: RequestStats) -> Double {
        switch metric {
        case .percentile(let p):
            if let v = stats.latency.value(atPercentile: p) { return v }
            if let h = try? stats.latencyHistogram() { return h.millis(atPercentile: p) }
            return stats.latency.max
        case .mean: return stats.latency.mean
        case .min: return stats.latency.min
        case .max: return stats.latency.max
        case .errorRate: return stats.errorRate
        case .rps: return stats.rps
        case .count: return Double(stats.count)
        case .errors: return Double(stats.errorCount)
        }
    }

    /// Checks the threshold against the stats of its scope.
    public func evaluate(_ stats: RequestStats) -> ThresholdOutcome {
        let value = measured(in: stats)
        var note: String?
        if case .percentile(let p) = metric, stats.count > 0,
           PercentileInterval.ranks(count: stats.count, percentile: p).upper == nil {
            note = "judged on \(stats.count) request\(stats.count == 1 ? "" : "s"): too few beyond \(metric) to state it at 95% confidence"
        }
        return ThresholdOutcome(threshold: self, measured: value, passed: comparison.holds(value, limit), note: note)
    }

    /// Evaluates every threshold against the stats of its scope; a scope no request has fails with a note.
    /// A windowed threshold is judged over `series` (its windows), and fails when any window did.
    public static func evaluate(
        _ thresholds: [Threshold], overall: RequestStats, requests: [RequestStats], series: [SeriesPoint] = []
    ) -> [ThresholdOutcome] {
        thresholds.map { threshold in
            let stats = threshold.scope == "all" || threshold.scope == overall.name
                ? overall : requests.first { $0.name == threshold.scope }
            if let stats {
                if threshold.windowSeconds != nil { return ThresholdWindowJudge.outcome(of: threshold, over: series) }
                return threshold.evaluate(stats)
            }
            return ThresholdOutcome(threshold: threshold, measured: .nan, passed: false,
                                    note: "no request named '\(threshold.scope)' in this run")
        }
    }
}

/// The result of checking one threshold.
public struct ThresholdOutcome: Codable, Sendable {
    public var threshold: Threshold
    /// The measured value in the threshold's unit (NaN when it could not be measured).
    public var measured: Double
    public var passed: Bool
    public var note: String?
    /// A windowed threshold: the windows that failed (at most 100 kept, the first ones), for the report's chart.
    public var failedWindows: [FailedWindow]?

    /// One window in which a windowed threshold did not hold: seconds since the start of the run (warm-up included,
    /// as the series), `start` inclusive, `end` exclusive.
    public struct FailedWindow: Codable, Sendable, Equatable {
        public var start: Int
        public var end: Int
        public var measured: Double
        public init(start: Int, end: Int, measured: Double) {
            self.start = start
            self.end = end
            self.measured = measured
        }
    }

    public init(threshold: Threshold, measured: Double, passed: Bool, note: String? = nil, failedWindows: [FailedWindow]? = nil) {
        self.threshold = threshold
        self.measured = measured
        self.passed = passed
        self.note = note
        self.failedWindows = failedWindows
    }

    /// The measured value printed in the threshold's unit: `87.3ms`, `0.42%`, `1520 rps`.
    public var measuredDescription: String {
        guard measured.isFinite else { return "n/a" }
        switch threshold.metric {
        case .percentile, .mean, .min, .max: return NumberFormat.millis(measured)
        case .errorRate: return "\(Self.round(measured * 100))%"
        case .rps: return "\(Self.round(measured)) rps"
        case .count, .errors: return String(Int64(measured))
        }
    }

    private static func round(_ v: Double) -> String {
        let r = v >= 100 ? v.rounded() : (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int64(r)) : String(r)
    }

    // JSON cannot hold NaN; store it as null.
    enum CodingKeys: String, CodingKey { case threshold, measured, passed, note, failedWindows }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try c.decode(Threshold.self, forKey: .threshold)
        measured = try c.decodeIfPresent(Double.self, forKey: .measured) ?? .nan
        passed = try c.decode(Bool.self, forKey: .passed)
        note = try c.decodeIfPresent(String.self, forKey: .note)
        failedWindows = try c.decodeIfPresent([FailedWindow].self, forKey: .failedWindows)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(threshold, forKey: .threshold)
        if measured.isFinite { try c.encode(measured, forKey: .measured) } else { try c.encodeNil(forKey: .measured) }
        try c.encode(passed, forKey: .passed)
        try c.encodeIfPresent(note, forKey: .note)
        try c.encodeIfPresent(failedWindows, forKey: .failedWindows)
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}

extension Threshold {
    /// `p95 < 100ms` (scope `all`) or `NAME: p95 < 100ms`, as `--threshold` and `--slo` take it.
    public init(parsingScoped text: String) throws(ParseError) {
        let operators: Set<Character> = ["<", ">", "="]
        if let colon = text.firstIndex(of: ":"), !text[..<colon].contains(where: { operators.contains($0) }) {
            let scope = String(text[..<colon]).trimmingWhitespace()
            try self.init(scope: scope.isEmpty ? "all" : scope,
                          parsing: String(text[text.index(after: colon)...]).trimmingWhitespace())
        } else {
            try self.init(scope: "all", parsing: text)
        }
    }
}
