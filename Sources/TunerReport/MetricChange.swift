import TunerCore

/// One figure before and after a change, with the verdict of the noise rule.
public struct MetricChange: Sendable {
    /// What is compared: `p99`, `rps`, `error rate`, `mean time`, `cache hit ratio`, …
    public var name: String
    public var unit: MetricUnit
    public var before: Double
    public var after: Double
    public var direction: Direction
    public var verdict: Verdict
    /// How the verdict was reached, for a reader who wants to check: `Welch t = −9.4, df 57 (per-second p99)`.
    public var evidence: String

    /// Whether less or more of a figure is the improvement.
    public enum Direction: Sendable {
        case lowerIsBetter, higherIsBetter
    }

    /// What the noise rule concluded about a change.
    public enum Verdict: String, Sendable {
        /// Better, and beyond run-to-run noise.
        case improved
        /// Worse, and beyond run-to-run noise.
        case regressed
        /// The difference is within what the runs' own variation explains (or below the minimum change).
        case withinNoise = "within noise"
        /// Not enough data to judge the noise; the change is shown without a verdict.
        case undecided = "noise unknown"
        /// Too few samples behind the figure (a percentile whose tail holds a handful of requests) for any
        /// change to mean something; no percentage is shown.
        case tooFewSamples = "too few samples"

        /// True for `improved` and `regressed`.
        public var isBeyondNoise: Bool { self == .improved || self == .regressed }
    }

    /// `(after − before) / before` in percent; NaN when `before` is zero.
    public var changePercent: Double {
        before == 0 ? (after == 0 ? 0 : .nan) : (after - before) / abs(before) * 100
    }

    public init(name: String, unit: MetricUnit, before: Double, after: Double, direction: Direction,
                verdict: Verdict, evidence: String) {
        self.name = name
        self.unit = unit
        self.before = before
        self.after = after
        self.direction = direction
        self.verdict = verdict
        self.evidence = evidence
    }

    /// The before and after values printed in the figure's unit.
    var beforeText: String { unit.format(before) }
    var afterText: String { unit.format(after) }

    /// `−63%` or, when the figure was zero before, the absolute change.
    var changeText: String {
        if verdict == .tooFewSamples { return "too few samples" }
        let pct = changePercent
        if pct.isFinite { return NumberFormat.change(pct) }
        return "from 0"
    }
}

/// The unit a compared figure is printed in.
public enum MetricUnit: Sendable {
    case milliseconds, requestsPerSecond, fraction, count, perRequest, bytes

    func format(_ v: Double) -> String {
        switch self {
        case .bytes: ByteSize(bytes: Int64(v)).humanDescription
        case .milliseconds: NumberFormat.millis(v)
        case .requestsPerSecond: NumberFormat.rate(v)
        case .fraction: NumberFormat.percent(v)
        case .count: NumberFormat.number(v)
        case .perRequest: "\(NumberFormat.significant(v))/req"
        }
    }
}
