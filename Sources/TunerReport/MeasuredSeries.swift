import TunerCore

/// The per-second figures of a run's measured window (warm-up excluded), the raw material of the
/// noise rule and of the time charts.
struct MeasuredSeries {
    let points: [SeriesPoint]
    /// p95 and p99.9 of each second with requests, read once from the seconds' histograms; nil when the
    /// result has none or the run is longer than `histogramSecondsLimit`.
    let histogramPercentiles: [Double: [Double]]?

    /// Decoding a histogram costs about a millisecond; beyond this many seconds the per-second p95 and
    /// p99.9 are left out and their noise is judged as an endpoint's is.
    static let histogramSecondsLimit = 1800

    init(_ result: LoadResult) {
        points = result.series.filter { !$0.isWarmUp }
        histogramPercentiles = Self.decodePercentiles(points.filter { $0.requests > 0 }, [95, 99.9])
    }

    /// The percentiles `qs` of every point's histogram, or nil when a point has none (or there are too many).
    static func decodePercentiles(_ points: [SeriesPoint], _ qs: [Double]) -> [Double: [Double]]? {
        guard !points.isEmpty, points.count <= histogramSecondsLimit else { return nil }
        var out: [Double: [Double]] = [:]
        for point in points {
            guard let encoded = point.histogram, let h = try? HistogramCodec.decode(encoded) else { return nil }
            for q in qs { out[q, default: []].append(h.millis(atPercentile: q)) }
        }
        return out
    }

    var requestsPerSecond: [Double] { points.map { Double($0.requests) } }
    var p50: [Double] { points.filter { $0.requests > 0 }.map(\.p50) }
    var p99: [Double] { points.filter { $0.requests > 0 }.map(\.p99) }
    var errorRate: [Double] {
        points.filter { $0.requests > 0 }.map { Double($0.errors) / Double($0.requests) }
    }

    /// Per-second values of latency percentile `q`: the stored p50/p99, else read from each second's histogram.
    func latency(atPercentile q: Double) -> [Double]? {
        if q == 50 { return p50 }
        if q == 99 { return p99 }
        return histogramPercentiles?[q]
    }

    /// Relative standard error of the mean of a per-second series (sd / mean / √n), 0 when unknown.
    static func relativeStandardError(_ values: [Double]) -> Double {
        guard let m = SampleMoments(values), m.count >= 2, m.mean > 0 else { return 0 }
        return m.standardDeviation / m.mean / Double(m.count).squareRoot()
    }
}

extension MeasuredSeries {
    /// Standard error of the value at percentile `q` from order statistics: the distribution-free 95%
    /// interval of the quantile (ranks n·p ± 1.96·√(n·p·(1−p))) read off the histogram, divided by 2 × 1.96.
    static func percentileStandardError(_ histogram: LatencyHistogram, _ q: Double) -> Double {
        let n = Double(histogram.totalCount)
        guard n > 0 else { return .nan }
        let p = q / 100
        let half = 1.959964 * (p * (1 - p) / n).squareRoot()
        let low = histogram.millis(atPercentile: Swift.max(0, p - half) * 100)
        let high = histogram.millis(atPercentile: Swift.min(1, p + half) * 100)
        return (high - low) / (2 * 1.959964)
    }
}
