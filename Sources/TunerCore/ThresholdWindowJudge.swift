/// Judges a windowed threshold (`p99[1m] < 200ms`, or one request's: `checkout: p99[1m] < 200ms`) over sliding
/// windows of the run's per-second series (the named request's part of each second for a scoped one): fed one
/// measured second at a time (during the run, for `abort_on_fail`, or afterwards from the result's series), it
/// keeps the last window's seconds and says whether the window that ends with each second holds.
///
/// The window's latencies are the exact sum of its seconds' HDR histograms, kept sparse (the recorded buckets of
/// each second), so a window slides by adding one second and taking one away, whatever its length.
public struct ThresholdWindowJudge: Sendable {
    public let threshold: Threshold
    let window: Int
    private var seconds: [Second] = []
    private var counts: [UInt64: UInt64] = [:]
    private var requests: UInt64 = 0
    private var errors: UInt64 = 0
    private var firstSecond: Int?
    /// The windows that failed so far (the first 100).
    public private(set) var failedWindows: [ThresholdOutcome.FailedWindow] = []
    public private(set) var failedCount = 0
    /// The worst value any window measured (the highest for `<` limits, the lowest for `>` ones).
    public private(set) var worst: Double?
    public private(set) var windowsJudged = 0

    private struct Second: Sendable {
        let second: Int
        let requests: UInt64
        let errors: UInt64
        let buckets: [(value: UInt64, count: UInt64)]
    }

    public init(_ threshold: Threshold) {
        self.threshold = threshold
        window = max(Int(threshold.windowSeconds ?? 1), 1)
    }

    /// Adds one second of the series; returns the window ending with it when that window fails. Warm-up seconds
    /// and the first seconds before a whole window has been measured are not judged.
    @discardableResult
    public mutating func add(_ point: SeriesPoint) -> ThresholdOutcome.FailedWindow? {
        guard !point.isWarmUp else { return nil }
        if firstSecond == nil { firstSecond = point.second }
        let part = point.part(of: threshold.scope)
        var buckets: [(value: UInt64, count: UInt64)] = []
        if let encoded = part.histogram, let histogram = try? HistogramCodec.decode(encoded) {
            for recorded in histogram.recordedValues() where recorded.count > 0 {
                buckets.append((recorded.value, recorded.count))
            }
        }
        let entry = Second(second: point.second, requests: part.requests, errors: part.errors, buckets: buckets)
        include(entry, sign: true)
        seconds.append(entry)
        while let oldest = seconds.first, oldest.second <= point.second - window {
            include(oldest, sign: false)
            seconds.removeFirst()
        }
        guard let first = firstSecond, point.second - first + 1 >= window else { return nil }
        return judge(endingAfter: point.second)
    }

    /// Judges what was fed when no whole window could be (a run shorter than its window): the whole run, once.
    public mutating func judgeShortRun() {
        guard windowsJudged == 0, let last = seconds.last else { return }
        judge(endingAfter: last.second)
    }

    /// The window's value of the threshold's metric, in the limit's unit; `nil` when it has no latency to judge.
    public var currentValue: Double? {
        switch threshold.metric {
        case .errorRate: return requests == 0 ? 0 : Double(errors) / Double(requests)
        case .rps: return Double(requests) / Double(window)
        case .count: return Double(requests)
        case .errors: return Double(errors)
        case .percentile(let p):
            let total = counts.values.reduce(0, +)
            guard total > 0 else { return nil }
            let rank = max(UInt64((p / 100 * Double(total)).rounded(.up)), 1)
            var seen: UInt64 = 0
            for value in counts.keys.sorted() {
                seen += counts[value]!
                if seen >= rank { return Double(value) / 1000 }
            }
            return nil
        case .mean:
            let total = counts.values.reduce(0, +)
            guard total > 0 else { return nil }
            return counts.reduce(0.0) { $0 + Double($1.key) * Double($1.value) } / Double(total) / 1000
        case .min: return counts.keys.min().map { Double($0) / 1000 }
        case .max: return counts.keys.max().map { Double($0) / 1000 }
        }
    }

    @discardableResult
    private mutating func judge(endingAfter second: Int) -> ThresholdOutcome.FailedWindow? {
        guard let value = currentValue else { return nil }
        windowsJudged += 1
        let higherIsWorse = threshold.comparison == .less || threshold.comparison == .lessOrEqual
        if let current = worst { worst = higherIsWorse ? max(current, value) : min(current, value) } else { worst = value }
        guard !threshold.comparison.holds(value, threshold.limit) else { return nil }
        failedCount += 1
        let failed = ThresholdOutcome.FailedWindow(start: second + 1 - window, end: second + 1, measured: value)
        if failedWindows.count < 100 { failedWindows.append(failed) }
        return failed
    }

    private mutating func include(_ second: Second, sign: Bool) {
        if sign {
            requests += second.requests
            errors += second.errors
            for bucket in second.buckets { counts[bucket.value, default: 0] += bucket.count }
        } else {
            requests -= second.requests
            errors -= second.errors
            for bucket in second.buckets {
                let left = counts[bucket.value, default: 0] - bucket.count
                counts[bucket.value] = left == 0 ? nil : left
            }
        }
    }

    /// The outcome of a windowed threshold over a whole series: it holds when no window failed.
    public static func outcome(of threshold: Threshold, over series: [SeriesPoint]) -> ThresholdOutcome {
        var judge = ThresholdWindowJudge(threshold)
        for point in series.sorted(by: { $0.second < $1.second }) { judge.add(point) }
        var notes: [String] = []
        if judge.windowsJudged == 0 {
            judge.judgeShortRun()
            if judge.windowsJudged > 0 {
                notes.append("the run was shorter than the \(Duration.seconds(Double(judge.window)).shortDescription) window: judged over the whole run")
            }
        }
        guard let worst = judge.worst else {
            let kept = series.contains { $0.part(of: threshold.scope).histogram != nil }
            let requests = series.reduce(0) { $0 + $1.part(of: threshold.scope).requests }
            let note = threshold.metric.isLatency && !kept && requests > 0
                ? "the series has no per-second latencies of '\(threshold.scope)' (they are kept for the names a windowed threshold named when the run was made)"
                : "no window had anything to judge"
            return ThresholdOutcome(threshold: threshold, measured: .nan, passed: false, note: note)
        }
        if let first = judge.failedWindows.first, notes.isEmpty {
            notes.append("failed in \(judge.failedCount) of \(judge.windowsJudged) windows, the first \(first.start)s–\(first.end)s")
        }
        return ThresholdOutcome(
            threshold: threshold, measured: worst, passed: judge.failedCount == 0,
            note: notes.isEmpty ? nil : notes.joined(separator: "; "),
            failedWindows: judge.failedWindows.isEmpty ? nil : judge.failedWindows)
    }
}
