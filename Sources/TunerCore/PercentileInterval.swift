import Foundation
import Histogram

/// A distribution-free confidence interval for one percentile of a sample: the order statistics at the binomial
/// ranks around n·p.
///
/// Of n independent requests, the number at or below the true quantile q of level p is Binomial(n, p). The
/// interval [x₍ₗ₎, x₍ᵤ₎] holds q at least `confidence` of the time when l is the largest rank with
/// P(B ≤ l − 1) ≤ α/2 and u the smallest with P(B ≥ u) ≤ α/2 (α = 1 − confidence), whatever the distribution.
/// When even the largest request cannot be an upper end (pⁿ > α/2: fewer than about 3.7 requests are expected
/// beyond the percentile) the interval has no upper end and the percentile is "too few requests" to state.
public struct PercentileInterval: Codable, Sendable, Equatable {
    /// Milliseconds: the lowest value the quantile may take at the confidence (0 when unbounded below).
    public var low: Double
    /// Milliseconds: the highest; `nil` when too few requests lie beyond the percentile to bound it.
    public var high: Double?

    public init(low: Double, high: Double?) {
        self.low = low
        self.high = high
    }

    /// The confidence every interval Tuner states is taken at.
    public static let confidence = 0.95

    /// False when too few requests lie beyond the percentile to bound it from above.
    public var isBounded: Bool { high != nil }

    /// `110–140ms`, or `≥ 110ms` without an upper end.
    public var description: String {
        guard let high else { return "≥ \(NumberFormat.millis(low))" }
        return "\(NumberFormat.millis(low))–\(NumberFormat.millis(high))"
    }

    /// The 1-based ranks of the order statistics that bound the `percentile` (0 < p < 100) of `count` requests at
    /// `confidence`: `lower` 0 when nothing bounds it below, `upper` nil when nothing bounds it above.
    public static func ranks(count: UInt64, percentile: Double, confidence: Double = confidence)
        -> (lower: UInt64, upper: UInt64?)
    {
        let n = count
        guard n > 0 else { return (0, nil) }
        let p = Swift.min(Swift.max(percentile / 100, 0), 1)
        let tail = (1 - confidence) / 2
        if p <= 0 { return (0, 1) }
        if p >= 1 { return (n, nil) }
        let pmf = BinomialWindow(n: n, p: p)
        // Lower end: the largest l with P(B ≤ l − 1) ≤ tail.
        var lower: UInt64 = 0
        var below = 0.0  // the mass below the window is under 1e-30
        for k in pmf.range {
            below += pmf.probability(k)
            if below > tail { break }
            lower = k + 1
        }
        // Upper end: the smallest u with P(B ≥ u) ≤ tail; none when P(B ≥ n) = pⁿ already exceeds it.
        var upper: UInt64?
        var above = 0.0
        for k in pmf.range.reversed() {
            above += pmf.probability(k)
            if above > tail { break }
            upper = k
        }
        return (lower, upper)
    }

    /// The interval for `percentile` of the latencies in `histogram` (microseconds), in milliseconds. Bucket edges
    /// widen it outwards (the lowest value equivalent to the lower order statistic, the highest of the upper), so
    /// the histogram's rounding never narrows it.
    public static func of(_ histogram: LatencyHistogram, percentile: Double, confidence: Double = confidence)
        -> PercentileInterval?
    {
        of(histogram, percentiles: [percentile], confidence: confidence)[percentile]
    }

    /// The intervals of several percentiles, read in one pass over the histogram's buckets.
    public static func of(_ histogram: LatencyHistogram, percentiles: [Double], confidence: Double = confidence)
        -> [Double: PercentileInterval]
    {
        let n = histogram.totalCount
        let wanted = percentiles.filter { $0 > 0 && $0 < 100 }
        guard n > 0, !wanted.isEmpty else { return [:] }
        let allRanks = wanted.map { ranks(count: n, percentile: $0, confidence: confidence) }
        let values = histogram.values(atRanks: allRanks.flatMap { [$0.lower, $0.upper ?? 0] }.filter { $0 > 0 })
        var intervals: [Double: PercentileInterval] = [:]
        for (percentile, (lower, upper)) in zip(wanted, allRanks) {
            let low = lower > 0 ? values[lower].map { Double(histogram.lowestEquivalentForValue($0)) / 1000 } ?? 0 : 0
            let high = upper.flatMap { values[$0] }.map { Double(histogram.highestEquivalentForValue($0)) / 1000 }
            intervals[percentile] = PercentileInterval(low: low, high: high)
        }
        return intervals
    }
}

extension Histogram where Count == UInt64 {
    /// The recorded value at each 1-based rank (the rank-th smallest), in one pass over the buckets.
    func values(atRanks ranks: [UInt64]) -> [UInt64: UInt64] {
        var wanted = Array(Set(ranks)).sorted()[...]
        var found: [UInt64: UInt64] = [:]
        guard !wanted.isEmpty else { return found }
        for bucket in recordedValues() {
            while let rank = wanted.first, rank <= bucket.totalCountToThisValue {
                found[rank] = bucket.value
                wanted.removeFirst()
            }
            if wanted.isEmpty { break }
        }
        return found
    }
}

/// Binomial(n, p) probabilities over the window where its mass lies (±12 standard deviations, plus a margin for
/// small n): each term from the log-gamma function, so n may be in the billions.
struct BinomialWindow {
    let n: UInt64
    let p: Double
    let range: ClosedRange<UInt64>
    private let logChoose: Double
    private let logP: Double
    private let logQ: Double

    init(n: UInt64, p: Double) {
        self.n = n
        self.p = p
        let mean = Double(n) * p
        let spread = 12 * (mean * (1 - p)).squareRoot() + 12
        let first = UInt64(Swift.max(0, (mean - spread).rounded(.down)))
        let last = UInt64(Swift.min(Double(n), (mean + spread).rounded(.up)))
        range = first...Swift.max(first, last)
        logChoose = lgamma(Double(n) + 1)
        logP = log(p)
        logQ = log1p(-p)
    }

    /// P(B = k).
    func probability(_ k: UInt64) -> Double {
        let kk = Double(k)
        let rest = Double(n - k)
        return exp(logChoose - lgamma(kk + 1) - lgamma(rest + 1) + kk * logP + rest * logQ)
    }
}
