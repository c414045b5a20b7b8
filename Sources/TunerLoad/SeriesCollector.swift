import TunerCore

/// Builds the one-second series from the loops' per-second histograms.
///
/// Each second is stored encoded (HdrHistogram V2), not as a live histogram, so memory grows by a
/// few hundred bytes per second however many requests there were; merged results stay exact.
struct SeriesCollector {
    let plan: LoadPlan
    private(set) var series: [SeriesPoint] = []
    private(set) var completed: UInt64 = 0
    private(set) var errors: UInt64 = 0

    init(plan: LoadPlan) { self.plan = plan }

    mutating func add(_ seconds: [SecondStats]) {
        var merged: [Int: SecondStats] = [:]
        for stats in seconds {
            merged[stats.second, default: SecondStats(second: stats.second, like: stats)].add(stats)
        }
        for second in merged.keys.sorted() {
            guard var stats = merged[second] else { continue }
            completed += stats.count
            errors += stats.errors
            if let index = series.firstIndex(where: { $0.second == second }) {
                // A straggler for a second already reported: fold it in.
                let point = series[index]
                stats.count += point.requests
                stats.errors += point.errors
                if let encoded = point.histogram, let earlier = try? HistogramCodec.decode(encoded) {
                    stats.latency.add(earlier)
                }
                for name in point.names ?? [] {
                    guard let index = plan.names.firstIndex(of: name.name), index < stats.nameCounts.count else { continue }
                    stats.nameCounts[index] += name.requests
                    stats.nameErrors[index] += name.errors
                    if let encoded = name.histogram, let earlier = try? HistogramCodec.decode(encoded) {
                        stats.addLatency(earlier, ofName: index)
                    }
                }
                series[index] = makePoint(stats)
            } else {
                let point = makePoint(stats)
                let position = series.firstIndex { $0.second > second } ?? series.endIndex
                series.insert(point, at: position)
            }
        }
    }

    func point(second: Int) -> SeriesPoint? {
        series.last { $0.second == second }
    }

    private func makePoint(_ stats: SecondStats) -> SeriesPoint {
        let middle = Double(stats.second) + 0.5
        let target = plan.workloads.reduce(0.0) { $0 + $1.timeline.level(at: middle) } * plan.rateFraction
        return SeriesPoint(
            second: stats.second, isWarmUp: Double(stats.second) < plan.warmUpSeconds, requests: stats.count,
            errors: stats.errors, p50: stats.latency.millis(atPercentile: 50),
            p99: stats.latency.millis(atPercentile: 99), target: target,
            histogram: HistogramCodec.encode(stats.latency), names: names(of: stats))
    }

    private func names(of stats: SecondStats) -> [SeriesPoint.Name] {
        stats.nameCounts.indices.compactMap { index in
            guard stats.nameCounts[index] > 0, index < plan.names.count else { return nil }
            let latency = index < stats.nameLatency.count ? stats.nameLatency[index] : nil
            return SeriesPoint.Name(name: plan.names[index], requests: stats.nameCounts[index], errors: stats.nameErrors[index],
                                    histogram: latency.map(HistogramCodec.encode))
        }
    }
}
