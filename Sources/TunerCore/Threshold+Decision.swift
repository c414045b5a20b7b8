import Foundation

/// Whether a threshold's verdict is decided by its evidence: the whole confidence interval of the measured value
/// on one side of the limit.
public enum ThresholdDecision: Sendable, Equatable {
    /// The interval lies where the threshold holds.
    case pass
    /// The interval lies where it does not.
    case fail
    /// The interval straddles the limit: more requests are needed to tell.
    case undecided
}

/// A threshold's verdict with the interval it was taken from.
public struct DecidedOutcome: Sendable {
    public var threshold: Threshold
    public var decision: ThresholdDecision
    /// The measured value in the threshold's unit.
    public var measured: Double
    /// The 95% interval of the measured value (`high` infinite when nothing bounds it above); equal to the
    /// measured value for figures that are counted, not estimated (rps, count, errors, min, max).
    public var low: Double
    public var high: Double
    /// Requests the verdict was taken on.
    public var requests: UInt64

    /// `p95 412 ms (95% interval 380 ms–455 ms, 240 requests)`.
    public var evidence: String {
        let outcome = ThresholdOutcome(threshold: threshold, measured: measured, passed: decision == .pass)
        guard low != high else { return "\(threshold.metric) \(outcome.measuredDescription), \(requests) requests" }
        let range = high.isFinite
            ? "\(Self.text(low, threshold))–\(Self.text(high, threshold))"
            : "≥ \(Self.text(low, threshold)), too few beyond it for an upper end"
        return "\(threshold.metric) \(outcome.measuredDescription) (95% interval \(range), \(requests) requests)"
    }

    static func text(_ value: Double, _ threshold: Threshold) -> String {
        ThresholdOutcome(threshold: threshold, measured: value, passed: true).measuredDescription
    }
}

extension Threshold {
    /// The verdict `stats` supports at 95% confidence: percentiles by their order-statistic interval, the error rate
    /// by Wilson's, the mean by the normal approximation; counted figures (rps, count, errors, min, max) are exact.
    /// A windowed threshold is judged as `evaluate` judges it (its windows), and is always decided.
    public func decide(_ stats: RequestStats, confidence: Double = PercentileInterval.confidence) -> DecidedOutcome {
        let value = measured(in: stats)
        var low = value
        var high = value
        let z = Self.normalQuantile(1 - (1 - confidence) / 2)
        if windowSeconds == nil && stats.count > 0 {
            switch metric {
            case .percentile(let p):
                if p < 100, let histogram = try? stats.latencyHistogram(),
                   let interval = PercentileInterval.of(histogram, percentile: p, confidence: confidence) {
                    low = interval.low
                    high = interval.high ?? .infinity
                }
            case .errorRate:
                (low, high) = Self.wilson(successes: Double(stats.errorCount), trials: Double(stats.count), z: z)
            case .mean:
                let half = z * stats.latency.stddev / Double(stats.count).squareRoot()
                (low, high) = (Swift.max(0, value - half), value + half)
            default:
                break
            }
        }
        let decision: ThresholdDecision
        if stats.count == 0 {
            decision = comparison.holds(value, limit) ? .pass : .fail
        } else {
            let atLow = comparison.holds(low, limit)
            let atHigh = comparison.holds(high, limit)
            decision = atLow && atHigh ? .pass : !atLow && !atHigh ? .fail : .undecided
        }
        return DecidedOutcome(threshold: self, decision: decision, measured: value, low: low, high: high,
                              requests: stats.count)
    }

    /// Wilson's score interval for a proportion.
    static func wilson(successes: Double, trials: Double, z: Double) -> (Double, Double) {
        guard trials > 0 else { return (0, 1) }
        let share = successes / trials
        let z2 = z * z
        let centre = (share + z2 / (2 * trials)) / (1 + z2 / trials)
        let half = z / (1 + z2 / trials) * (share * (1 - share) / trials + z2 / (4 * trials * trials)).squareRoot()
        return (Swift.max(0, centre - half), Swift.min(1, centre + half))
    }

    /// The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
    static func normalQuantile(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                 -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                 -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low { return -normalQuantile(1 - p) }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
