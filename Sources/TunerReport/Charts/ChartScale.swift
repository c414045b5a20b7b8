import TunerCore
import Foundation

/// Maps data values to pixel positions along one axis and says where the ticks go.
protocol ChartScale: Sendable {
    /// The pixel position of `value`.
    func position(_ value: Double) -> Double
    /// Tick values with their labels, inside the domain.
    var ticks: [(value: Double, label: String)] { get }
}

/// A linear axis whose domain is widened to round tick values (0, 250, 500, 750, …).
struct LinearScale: ChartScale {
    let lower: Double
    let upper: Double
    let step: Double
    let pixelLower: Double
    let pixelUpper: Double
    let format: @Sendable (Double) -> String

    /// A scale over `min...max` with about `tickCount` ticks at round values. The domain is widened to
    /// the ticks unless `isExact` (a time axis ends where the run ended); `isInteger` keeps steps whole.
    init(min: Double, max: Double, pixels: (Double, Double), tickCount: Int = 5, isExact: Bool = false,
         isInteger: Bool = false, format: @escaping @Sendable (Double) -> String = { NumberFormat.number($0) }) {
        var lo = min.isFinite ? min : 0
        var hi = max.isFinite ? max : 1
        if hi <= lo { hi = lo + (lo == 0 ? 1 : abs(lo) * 0.1) }
        var step = Self.niceStep((hi - lo) / Double(Swift.max(tickCount, 1)))
        if isInteger {
            step = Swift.max(1, step == 2.5 ? 2 : step.rounded(.up))
        }
        if !isExact {
            lo = (lo / step).rounded(.down) * step
            hi = (hi / step).rounded(.up) * step
        }
        self.lower = lo
        self.upper = hi
        self.step = step
        self.pixelLower = pixels.0
        self.pixelUpper = pixels.1
        self.format = format
    }

    func position(_ value: Double) -> Double {
        pixelLower + (value - lower) / (upper - lower) * (pixelUpper - pixelLower)
    }

    var ticks: [(value: Double, label: String)] {
        var out: [(Double, String)] = []
        var i = 0.0
        let first = (lower / step - 1e-9).rounded(.up) * step
        while true {
            let v = first + i * step
            if v > upper + step / 1000 { break }
            // Snap the float so that 0.1 × 3 prints as 0.3.
            let snapped = (v / step).rounded() * step
            out.append((snapped, format(snapped)))
            i += 1
        }
        return out
    }

    /// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= raw * 0.999 {
            return factor * magnitude
        }
        return 10 * magnitude
    }
}

/// A base-10 logarithmic axis with ticks at 1-2-5 steps (or decades when the range is wide).
struct LogScale: ChartScale {
    let lower: Double
    let upper: Double
    let pixelLower: Double
    let pixelUpper: Double
    let tickValues: [Double]
    let format: @Sendable (Double) -> String

    init(min: Double, max: Double, pixels: (Double, Double),
         format: @escaping @Sendable (Double) -> String = { NumberFormat.number($0) }) {
        let lo = Swift.max(min, 1e-3)
        let hi = Swift.max(max, lo * 10)
        lower = pow(10, log10(lo).rounded(.down))
        upper = pow(10, log10(hi).rounded(.up))
        pixelLower = pixels.0
        pixelUpper = pixels.1
        self.format = format
        let decades = Int(log10(upper / lower).rounded())
        let multipliers: [Double] = decades <= 3 ? [1, 2, 5] : [1]
        var values: [Double] = []
        var decade = lower
        while decade <= upper * 1.0001 {
            for m in multipliers where m * decade <= upper * 1.0001 { values.append(m * decade) }
            decade *= 10
        }
        tickValues = values
    }

    func position(_ value: Double) -> Double {
        let v = Swift.max(value, lower)
        return pixelLower + (log10(v) - log10(lower)) / (log10(upper) - log10(lower)) * (pixelUpper - pixelLower)
    }

    var ticks: [(value: Double, label: String)] { tickValues.map { ($0, format($0)) } }
}

/// The x axis of a latency percentile spectrum: position by 1 / (1 − p) on a log scale, so that
/// 90%, 99%, 99.9% and 99.99% are evenly spaced (HdrHistogram's classic plot).
struct PercentileScale: ChartScale {
    /// Nines shown: 4 means up to 99.99%.
    let nines: Int
    let pixelLower: Double
    let pixelUpper: Double

    func position(_ percentile: Double) -> Double {
        let inverse = 1 / Swift.max(1 - percentile / 100, pow(10, -Double(nines)))
        return pixelLower + log10(inverse) / Double(nines) * (pixelUpper - pixelLower)
    }

    var ticks: [(value: Double, label: String)] {
        (0...nines).map { k in
            let p = 100 * (1 - pow(10, -Double(k)))
            let label: String
            switch k {
            case 0: label = "0%"
            case 1: label = "90%"
            case 2: label = "99%"
            default: label = "99." + String(repeating: "9", count: k - 2) + "%"
            }
            return (p, label)
        }
    }
}
