import Histogram
/// The numbers a report prints for one latency histogram, in milliseconds.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var min: Double
    public var mean: Double
    public var stddev: Double
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    /// 95% confidence intervals of the percentiles above (order statistics); `nil` in results written before
    /// Tuner kept them.
    public var intervals: Intervals?

    /// The interval of each percentile the summary carries; `nil` for an empty histogram.
    public struct Intervals: Codable, Sendable, Equatable {
        public var p50: PercentileInterval?
        public var p90: PercentileInterval?
        public var p95: PercentileInterval?
        public var p99: PercentileInterval?
        public var p999: PercentileInterval?

        public init(_ histogram: LatencyHistogram) {
            let all = PercentileInterval.of(histogram, percentiles: [50, 90, 95, 99, 99.9])
            p50 = all[50]
            p90 = all[90]
            p95 = all[95]
            p99 = all[99]
            p999 = all[99.9]
        }
    }

    public init(_ histogram: LatencyHistogram) {
        let empty = histogram.totalCount == 0
        min = empty ? 0 : Double(histogram.min) / 1000
        mean = empty ? 0 : histogram.mean / 1000
        stddev = empty ? 0 : histogram.stdDeviation / 1000
        p50 = histogram.millis(atPercentile: 50)
        p90 = histogram.millis(atPercentile: 90)
        p95 = histogram.millis(atPercentile: 95)
        p99 = histogram.millis(atPercentile: 99)
        p999 = histogram.millis(atPercentile: 99.9)
        max = empty ? 0 : Double(histogram.max) / 1000
        intervals = empty ? nil : Intervals(histogram)
    }

    /// The interval of a percentile this summary carries (50, 90, 95, 99, 99.9).
    public func interval(atPercentile p: Double) -> PercentileInterval? {
        switch p {
        case 50: intervals?.p50
        case 90: intervals?.p90
        case 95: intervals?.p95
        case 99: intervals?.p99
        case 99.9: intervals?.p999
        default: nil
        }
    }

    /// True when too few requests lie beyond the percentile to state it (its interval has no upper end).
    public func isTooFew(atPercentile p: Double) -> Bool {
        interval(atPercentile: p).map { !$0.isBounded } ?? false
    }

    /// The percentile for a table: `123ms`, or `too few` when too few requests lie beyond it to state it.
    public func text(atPercentile p: Double) -> String {
        isTooFew(atPercentile: p) ? Self.tooFew : NumberFormat.millis(value(atPercentile: p) ?? 0)
    }

    /// The percentile with its interval, for reports: `40 ms (38 ms–45 ms)`, or `too few`.
    public func textWithInterval(atPercentile p: Double) -> String {
        guard !isTooFew(atPercentile: p) else { return Self.tooFew }
        let number = NumberFormat.millis(value(atPercentile: p) ?? 0)
        guard let range = interval(atPercentile: p) else { return number }
        return "\(number) (\(range.description))"
    }

    /// What a table shows instead of a percentile that too few requests bound.
    public static let tooFew = "too few"

    /// The footnote that explains `too few` and the intervals, for tables that show them.
    public static let tooFewNote = "too few: fewer than about 4 requests lie beyond that percentile, so no upper end can be "
        + "stated for it at 95% confidence; intervals are 95% (order statistics of the requests, any distribution)"

    /// The latency in milliseconds at a percentile this summary carries (50, 90, 95, 99, 99.9, 100).
    public func value(atPercentile p: Double) -> Double? {
        switch p {
        case 50: p50
        case 90: p90
        case 95: p95
        case 99: p99
        case 99.9: p999
        case 100: max
        default: nil
        }
    }
}
