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
    }

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
