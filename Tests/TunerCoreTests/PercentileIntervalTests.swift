import Foundation
import Testing
@testable import TunerCore

/// The percentile intervals: order statistics at binomial ranks, checked against samples of known distributions
/// (their true quantiles in closed form) and against the binomial's own arithmetic, computed here independently.
@Suite struct PercentileIntervalTests {
    /// SplitMix64: a seeded, reproducible stream of uniforms in (0, 1).
    struct Uniforms {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
        }
    }

    /// A latency distribution in microseconds: how to draw from it, and its true quantile at each percentile tested.
    struct Distribution: CustomStringConvertible {
        let description: String
        let sample: @Sendable (inout Uniforms) -> Double
        let quantile: @Sendable (_ percentile: Double) -> Double
    }

    /// The standard normal's quantiles at the percentiles tested.
    static let zScores: [Double: Double] = [50: 0, 90: 1.2815515655446004, 95: 1.6448536269514722,
                                            99: 2.3263478740408408, 99.9: 3.090232306167813]
    static let distributions = [
        Distribution(description: "fixed 20 ms", sample: { _ in 20_000 }, quantile: { _ in 20_000 }),
        Distribution(description: "exponential, mean 10 ms", sample: { -10_000 * log($0.next()) },
                     quantile: { -10_000 * log1p(-$0 / 100) }),
        // exp(μ + σZ), median 5 ms, σ = 1; Z by Box–Muller.
        Distribution(description: "lognormal, median 5 ms, sigma 1", sample: { uniforms in
            let z = (-2 * log(uniforms.next())).squareRoot() * cos(2 * Double.pi * uniforms.next())
            return 5_000 * exp(z)
        }, quantile: { 5_000 * exp(zScores[$0]!) }),
    ]
    static let percentiles = [50.0, 90, 95, 99, 99.9]

    /// P(X ≤ k) for X ~ Binomial(n, p), summed term by term from the log-gamma function.
    static func binomialCDF(_ k: Int, n: Int, p: Double) -> Double {
        guard k >= 0 else { return 0 }
        guard k < n else { return 1 }
        var sum = 0.0
        for i in 0...k {
            let logTerm = lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1))
                + Double(i) * log(p) + Double(n - i) * log1p(-p)
            sum += exp(logTerm)
        }
        return min(sum, 1)
    }

    /// Over 1,000 samples of each size from each distribution, each percentile's 95% interval holds the true
    /// quantile at least 95% of the time. The misses of a cell are at most Binomial(1000, 0.05) (fewer: the exact
    /// intervals are conservative); the bound is the count such a binomial exceeds with probability at most
    /// 1e-6 / 45 (45 cells), so the whole test fails by chance at most once in a million runs.
    @Test(arguments: [40, 400, 2_000])
    func intervalsHoldTheTrueQuantileAtLeastTheirStatedShare(size: Int) {
        let trials = 1_000
        let cells = 45.0
        var bound = 0
        while 1 - Self.binomialCDF(bound, n: trials, p: 0.05) > 1e-6 / cells { bound += 1 }
        for (index, distribution) in Self.distributions.enumerated() {
            var uniforms = Uniforms(state: UInt64(size * 31 + index))
            var misses = [Double: Int]()
            for _ in 0..<trials {
                var histogram = LatencyHistogram.makeLatency()
                for _ in 0..<size {
                    // Rounded up to whole microseconds, so that rounding never moves a value below the quantile.
                    histogram.recordClamped(micros: UInt64(distribution.sample(&uniforms).rounded(.up)))
                }
                let intervals = PercentileInterval.of(histogram, percentiles: Self.percentiles)
                for percentile in Self.percentiles {
                    let truth = distribution.quantile(percentile)
                    guard let interval = intervals[percentile] else {
                        Issue.record("no interval for p\(percentile) of \(size)")
                        continue
                    }
                    let holds = (interval.low * 1000).rounded() <= truth.rounded(.up)
                        && (interval.high.map { ($0 * 1000).rounded() >= truth } ?? true)
                    if !holds { misses[percentile, default: 0] += 1 }
                }
            }
            for percentile in Self.percentiles {
                #expect(misses[percentile, default: 0] <= bound,
                        "\(distribution), n = \(size), p\(percentile): \(misses[percentile, default: 0]) of \(trials) intervals missed (bound \(bound))")
            }
        }
    }

    /// The ranks are the exact binomial ones: the interval [l, u] covers at least 95%, and is as narrow as that
    /// allows (moving either end inwards would drop the coverage below it), for sizes from 5 to 5,000.
    @Test func ranksAreTheNarrowestThatCoverTheStatedShare() {
        for n in [5, 17, 72, 100, 368, 1_000, 5_000] {
            for percentile in Self.percentiles {
                let p = percentile / 100
                let (lower, upper) = PercentileInterval.ranks(count: UInt64(n), percentile: percentile)
                let l = Int(lower)
                // P(B ≤ l − 1) ≤ 2.5% < P(B ≤ l): the lower end is the highest that keeps its tail under 2.5%.
                #expect(Self.binomialCDF(l - 1, n: n, p: p) <= 0.025, "n \(n) p\(percentile) lower \(l)")
                if l < n { #expect(Self.binomialCDF(l, n: n, p: p) > 0.025, "n \(n) p\(percentile) lower \(l) could be higher") }
                if let upper {
                    let u = Int(upper)
                    // P(B ≥ u) ≤ 2.5% < P(B ≥ u − 1).
                    #expect(1 - Self.binomialCDF(u - 1, n: n, p: p) <= 0.025 + 1e-12, "n \(n) p\(percentile) upper \(u)")
                    #expect(1 - Self.binomialCDF(u - 2, n: n, p: p) > 0.025, "n \(n) p\(percentile) upper \(u) could be lower")
                } else {
                    // No upper end only when even the largest request could lie below the quantile too often: pⁿ > 2.5%.
                    #expect(pow(p, Double(n)) > 0.025, "n \(n) p\(percentile) has no upper end")
                }
            }
        }
    }

    /// "Too few requests": a p95 needs 72 requests (0.95⁷² ≤ 2.5% < 0.95⁷¹), a p99 368, a p99.9 3,688; the summary
    /// says so for the percentile and states the others.
    @Test func tooFewRequestsBeyondAPercentileIsSaid() {
        #expect(PercentileInterval.ranks(count: 71, percentile: 95).upper == nil)
        #expect(PercentileInterval.ranks(count: 72, percentile: 95).upper == 72)
        #expect(PercentileInterval.ranks(count: 367, percentile: 99).upper == nil)
        #expect(PercentileInterval.ranks(count: 368, percentile: 99).upper != nil)
        #expect(PercentileInterval.ranks(count: 3_687, percentile: 99.9).upper == nil)
        #expect(PercentileInterval.ranks(count: 3_688, percentile: 99.9).upper != nil)
        var histogram = LatencyHistogram.makeLatency()
        for value in 1...100 { histogram.recordClamped(micros: UInt64(value) * 1000) }
        let summary = LatencySummary(histogram)
        #expect(summary.text(atPercentile: 95) == NumberFormat.millis(summary.p95))
        #expect(summary.text(atPercentile: 99) == LatencySummary.tooFew)
        #expect(summary.isTooFew(atPercentile: 99.9))
        let p50 = try! #require(summary.interval(atPercentile: 50))
        // 100 values 1..100 ms: the median's 95% ranks are 40 and 61 (widened to their buckets' edges: 61 ms is
        // in the bucket 60.992–61.023 ms).
        #expect(abs(p50.low - 40) < 0.05 && abs((p50.high ?? 0) - 61) < 0.05, "\(p50)")
    }

    /// A threshold's verdict is decided only when its interval lies on one side of the limit: 100 requests of 1..100 ms
    /// (p95 95 ms, interval 90–100 ms) pass `p95 < 150ms`, fail `p95 < 50ms`, and leave `p95 < 97ms` undecided; with no
    /// upper end a `<` limit can fail but never pass. Error rates by Wilson's interval: 0 errors in 200 cannot show
    /// `error_rate < 1%` (the interval reaches 1.9%), 0 in 1,000 can (0.38%).
    @Test func verdictsAreDecidedByTheirIntervals() throws {
        var histogram = LatencyHistogram.makeLatency()
        for value in 1...100 { histogram.recordClamped(micros: UInt64(value) * 1000) }
        let stats = RequestStats(name: "all", count: 100, errors: [:], statusCodes: ["200": 100], bytesReceived: 0,
                                 durationSeconds: 10, latency: histogram)
        func decide(_ text: String, _ stats: RequestStats) throws -> ThresholdDecision {
            try Threshold(scope: "all", parsing: text).decide(stats).decision
        }
        #expect(try decide("p95 < 150ms", stats) == .pass)
        #expect(try decide("p95 < 50ms", stats) == .fail)
        #expect(try decide("p95 < 97ms", stats) == .undecided)
        #expect(try decide("p99 < 10s", stats) == .undecided)
        #expect(try decide("p99 < 20ms", stats) == .fail)
        #expect(try decide("max < 150ms", stats) == .pass)
        func errors(_ failed: UInt64, of count: UInt64) -> RequestStats {
            var h = LatencyHistogram.makeLatency()
            for _ in 0..<count { h.recordClamped(micros: 1000) }
            return RequestStats(name: "all", count: count, errors: failed > 0 ? ["status_5xx": failed] : [:],
                                statusCodes: [:], bytesReceived: 0, durationSeconds: 10, latency: h)
        }
        #expect(try decide("error_rate < 1%", errors(0, of: 200)) == .undecided)
        #expect(try decide("error_rate < 1%", errors(0, of: 1_000)) == .pass)
        #expect(try decide("error_rate < 1%", errors(50, of: 1_000)) == .fail)
        let outcome = try Threshold(scope: "all", parsing: "p95 < 97ms").decide(stats)
        #expect(outcome.evidence.contains("100 requests") && outcome.evidence.contains("95% interval"), "\(outcome.evidence)")
    }

    /// A threshold judged on too few requests still decides (as k6 would) and says on how many.
    @Test func aThresholdJudgedOnTooFewRequestsSaysSo() throws {
        func stats(_ count: Int) -> RequestStats {
            var h = LatencyHistogram.makeLatency()
            for _ in 0..<count { h.recordClamped(micros: 5_000) }
            return RequestStats(name: "all", count: UInt64(count), errors: [:], statusCodes: [:], bytesReceived: 0,
                                durationSeconds: 1, latency: h)
        }
        let threshold = try Threshold(scope: "all", parsing: "p95 < 1s")
        let few = threshold.evaluate(stats(10))
        #expect(few.passed && few.note?.hasPrefix("judged on 10 requests: too few beyond p95") == true, "\(few.note ?? "")")
        #expect(threshold.evaluate(stats(100)).note == nil)
    }
}
