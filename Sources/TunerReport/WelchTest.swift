import Foundation

/// Welch's unequal-variances t-test: are two means further apart than their samples' noise explains?
///
/// Used on the per-second series of two runs (one value per measured second), so the noise it
/// measures is the second-to-second variation of each run.
public struct WelchTest: Sendable, Equatable {
    public var meanBefore: Double
    public var meanAfter: Double
    /// Standard error of the difference of the means.
    public var standardError: Double
    /// Welch–Satterthwaite degrees of freedom.
    public var degreesOfFreedom: Double
    /// `(after − before) / standardError`.
    public var t: Double

    /// Runs the test on two samples; nil when either has fewer than 2 values.
    public init?(before: [Double], after: [Double]) {
        guard let a = SampleMoments(before), let b = SampleMoments(after) else { return nil }
        self.init(before: a, after: b)
    }

    /// Runs the test from each sample's mean, standard deviation and size.
    public init?(before: SampleMoments, after: SampleMoments) {
        guard before.count >= 2, after.count >= 2 else { return nil }
        let va = before.variance / Double(before.count)
        let vb = after.variance / Double(after.count)
        meanBefore = before.mean
        meanAfter = after.mean
        standardError = (va + vb).squareRoot()
        let denominator = va * va / Double(before.count - 1) + vb * vb / Double(after.count - 1)
        degreesOfFreedom = denominator > 0 ? (va + vb) * (va + vb) / denominator : Double(before.count + after.count - 2)
        let difference = after.mean - before.mean
        if standardError > 0 {
            t = difference / standardError
        } else {
            // Both samples constant: any difference is real, none is noise.
            t = difference == 0 ? 0 : (difference > 0 ? .infinity : -.infinity)
        }
    }

    /// True when the difference is significant at the two-sided `confidence` level (0.95 or 0.99).
    public func isSignificant(confidence: Double = 0.99) -> Bool {
        abs(t) > Self.criticalValue(degreesOfFreedom: degreesOfFreedom, confidence: confidence)
    }

    /// The two-sided critical value of Student's t for `df` degrees of freedom at 95% or 99% confidence.
    public static func criticalValue(degreesOfFreedom df: Double, confidence: Double = 0.99) -> Double {
        let is99 = confidence >= 0.99
        let table: [Double] = is99
            ? [63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169]
            : [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]
        let z = normalQuantile(confidence: confidence)
        guard df.isFinite else { return z }
        if df < 1 { return table[0] }
        if df <= 10 {
            // Linear between table entries for fractional Welch degrees of freedom.
            let low = Int(df.rounded(.down))
            let high = Swift.min(low + 1, 10)
            let fraction = df - Double(low)
            return table[low - 1] + (table[high - 1] - table[low - 1]) * fraction
        }
        // Cornish–Fisher expansion around the normal quantile; within 0.002 of the exact value above 10.
        let z3 = z * z * z
        let z5 = z3 * z * z
        let z7 = z5 * z * z
        return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df)
    }

    /// The two-sided normal quantile for 95% (1.96) or 99% (2.576) confidence.
    public static func normalQuantile(confidence: Double) -> Double { confidence >= 0.99 ? 2.575829 : 1.959964 }
}

/// Mean, variance and size of a sample.
public struct SampleMoments: Sendable, Equatable {
    public var mean: Double
    /// Unbiased sample variance (n − 1).
    public var variance: Double
    public var count: Int

    public init(mean: Double, standardDeviation: Double, count: Int) {
        self.mean = mean
        self.variance = standardDeviation * standardDeviation
        self.count = count
    }

    /// The moments of `values`; nil when empty.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        mean = values.reduce(0, +) / n
        let m = mean
        variance = values.count > 1 ? values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1) : 0
        count = values.count
    }

    public var standardDeviation: Double { variance.squareRoot() }
}
