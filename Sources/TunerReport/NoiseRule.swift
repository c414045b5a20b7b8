import TunerCore
import Foundation

/// Decides whether a before/after difference is beyond run-to-run noise (see docs/report.md).
///
/// A change counts when it is at least `minimumRelativeChange` of the before value and the noise
/// estimate for that figure says the difference is significant at `confidence` (99%: a report
/// compares some thirty figures at once, and at 95% one or two would "change" by chance). Per-second samples of one
/// run are correlated in time, so a significance test alone would call tiny differences real over
/// long runs; the minimum change guards against that.
public struct NoiseRule: Sendable {
    /// Relative changes smaller than this are within noise whatever the test says (0.05 = 5%).
    public var minimumRelativeChange: Double
    /// Ratios (cache hit) move by at least this many points to count (0.01 = 1 percentage point).
    public var minimumRatioChange: Double
    /// Two-sided confidence of the significance tests: 0.99 or 0.95.
    public var confidence: Double

    public init(minimumRelativeChange: Double = 0.05, minimumRatioChange: Double = 0.01, confidence: Double = 0.99) {
        self.minimumRelativeChange = minimumRelativeChange
        self.minimumRatioChange = minimumRatioChange
        self.confidence = confidence
    }

    /// The rule docs/report.md describes.
    public static let standard = NoiseRule()

    /// What is known about the noise of one figure.
    enum Estimate {
        /// Per-second values of each run, compared with Welch's t-test.
        case series(before: [Double], after: [Double], label: String)
        /// A standard error for each run's figure (sampling error of a percentile, a rate, a mean).
        case standardErrors(before: Double, after: Double, label: String)
        /// Moments of per-call samples (pg_stat_statements' mean and stddev over `calls`).
        case moments(before: SampleMoments, after: SampleMoments, label: String)
        /// Exact counts: no sampling noise, only the minimum change applies.
        case exact
        /// A ratio judged by absolute points.
        case ratio
        /// Nothing to judge by.
        case unknown(reason: String)
        /// Too few samples for the figure to mean anything (a percentile of a handful of requests).
        case tooFewSamples(reason: String)
    }

    func change(_ name: String, unit: MetricUnit, before: Double, after: Double,
                direction: MetricChange.Direction, estimate: Estimate) -> MetricChange {
        let (verdict, evidence) = judge(before: before, after: after, direction: direction, estimate: estimate)
        return MetricChange(name: name, unit: unit, before: before, after: after, direction: direction,
                            verdict: verdict, evidence: evidence)
    }

    private func judge(before: Double, after: Double, direction: MetricChange.Direction, estimate: Estimate)
        -> (MetricChange.Verdict, String)
    {
        guard before.isFinite, after.isFinite else { return (.undecided, "not measured in both runs") }
        if case .tooFewSamples(let reason) = estimate { return (.tooFewSamples, reason) }
        if before == after { return (.withinNoise, "no change") }
        let better = direction == .lowerIsBetter ? after < before : after > before
        let real: MetricChange.Verdict = better ? .improved : .regressed
        if case .ratio = estimate {
            let points = abs(after - before)
            let text = "\(NumberFormat.significant(points * 100)) points (minimum \(NumberFormat.significant(minimumRatioChange * 100)))"
            return (points >= minimumRatioChange ? real : .withinNoise, text)
        }
        if before != 0, abs(after - before) / abs(before) < minimumRelativeChange {
            return (.withinNoise, "below the \(NumberFormat.percent(minimumRelativeChange)) minimum change")
        }
        switch estimate {
        case .series(let b, let a, let label):
            guard let test = WelchTest(before: b, after: a) else {
                return (.undecided, "fewer than 2 measured seconds in a run")
            }
            return (test.isSignificant(confidence: confidence) ? real : .withinNoise, Self.describe(test, label: label))
        case .moments(let b, let a, let label):
            guard let test = WelchTest(before: b, after: a) else { return (.undecided, "fewer than 2 samples") }
            return (test.isSignificant(confidence: confidence) ? real : .withinNoise, Self.describe(test, label: label))
        case .standardErrors(let seBefore, let seAfter, let label):
            let se = (seBefore * seBefore + seAfter * seAfter).squareRoot()
            guard se.isFinite else { return (.undecided, "no noise estimate") }
            let z = se > 0 ? abs(after - before) / se : .infinity
            let zText = z.isFinite ? NumberFormat.significant(z) : "∞"
            return (z > WelchTest.normalQuantile(confidence: confidence) ? real : .withinNoise, "z = \(zText) (\(label))")
        case .exact:
            return (real, "exact count, no sampling noise")
        case .ratio:
            return (real, "")  // handled above
        case .unknown(let reason):
            return (.undecided, reason)
        case .tooFewSamples(let reason):
            return (.tooFewSamples, reason)
        }
    }

    private static func describe(_ test: WelchTest, label: String) -> String {
        let t = test.t.isFinite ? NumberFormat.significant(test.t).replacingOccurrences(of: "-", with: "−") : "∞"
        return "Welch t = \(t), df \(Int(test.degreesOfFreedom.rounded())) (\(label))"
    }
}
