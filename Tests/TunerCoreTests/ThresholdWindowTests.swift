import Testing
@testable import TunerCore

/// Windowed thresholds judged over a series whose every second is known: the failing windows are exactly those
/// that hold a bad second, and a window slides past bad seconds again.
@Suite struct ThresholdWindowTests {
    /// One second of the series: `requests` responses of `millis` each, `errors` of them errors.
    static func second(_ second: Int, millis: UInt64, requests: UInt64 = 100, errors: UInt64 = 0, warmUp: Bool = false)
        -> SeriesPoint
    {
        var histogram = LatencyHistogram.makeLatency()
        for _ in 0..<requests { histogram.recordClamped(micros: millis * 1000) }
        return SeriesPoint(second: second, isWarmUp: warmUp, requests: requests, errors: errors, p50: Double(millis),
                           p99: Double(millis), histogram: HistogramCodec.encode(histogram))
    }

    @Test func theFailingWindowsAreThoseHoldingABadSecond() throws {
        // Seconds 0–9 at 10 ms, 10–14 at 300 ms, 15–29 at 10 ms again.
        let series = (0..<30).map { Self.second($0, millis: (10..<15).contains($0) ? 300 : 10) }
        let threshold = try Threshold(scope: "all", parsing: "p99[5s] < 200ms")
        #expect(threshold.windowSeconds == 5)
        let outcome = ThresholdWindowJudge.outcome(of: threshold, over: series)
        #expect(!outcome.passed)
        // Windows end after seconds 4..29 (26 of them); those ending after 10..18 hold a bad second (9).
        let windows = try #require(outcome.failedWindows)
        #expect(windows.count == 9)
        #expect(windows.first == ThresholdOutcome.FailedWindow(start: 6, end: 11, measured: windows.first!.measured))
        #expect(windows.last?.end == 19)
        #expect(abs(outcome.measured - 300) < 1, "the worst window's p99: \(outcome.measured)")
        #expect(outcome.note == "failed in 9 of 26 windows, the first 6s–11s")
        // The same series judged over the whole run passes a p50 the windows fail.
        let whole = try Threshold(scope: "all", parsing: "p50 < 200ms")
        #expect(Threshold.evaluate([whole], overall: try Self.overall(series), requests: [])[0].passed)
    }

    @Test func errorRateRpsAndWarmUp() throws {
        // A warm-up second of errors is not judged; then 2 s at 10% errors among clean seconds.
        var series = [Self.second(0, millis: 5, errors: 100, warmUp: true)]
        series += (1..<11).map { Self.second($0, millis: 5, errors: (5...6).contains($0) ? 10 : 0) }
        let errorRate = ThresholdWindowJudge.outcome(of: try Threshold(scope: "all", parsing: "error_rate[2s] < 5%"), over: series)
        #expect(!errorRate.passed)
        #expect(errorRate.failedWindows?.map(\.start) == [4, 5, 6])
        #expect(abs(errorRate.measured - 0.1) < 1e-9)
        let rps = ThresholdWindowJudge.outcome(of: try Threshold(scope: "all", parsing: "rps[3s] > 90"), over: series)
        #expect(rps.passed)
        #expect(rps.measured == 100)
    }

    @Test func aRunShorterThanItsWindowIsJudgedWhole() throws {
        let series = (0..<3).map { Self.second($0, millis: 50) }
        let outcome = ThresholdWindowJudge.outcome(of: try Threshold(scope: "all", parsing: "p95[1m] < 20ms"), over: series)
        #expect(!outcome.passed)
        #expect(outcome.note?.contains("shorter than the 1m window") == true)
    }

    @Test(arguments: [
        ("checkout", "p99[1m] < 200ms", "put it under 'all'"), ("all", "p99[0.5s] < 200ms", "1s or more"),
        ("all", "p99[soon] < 200ms", "must be a duration"),
    ])
    func badWindowsAreErrors(scope: String, expression: String, expected: String) {
        #expect {
            try Threshold(scope: scope, parsing: expression)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    static func overall(_ series: [SeriesPoint]) throws -> RequestStats {
        var histogram = LatencyHistogram.makeLatency()
        for point in series { histogram.add(try HistogramCodec.decode(point.histogram!)) }
        return RequestStats(name: "all", count: histogram.totalCount, errors: [:], statusCodes: [:], bytesReceived: 0,
                            durationSeconds: Double(series.count), latency: histogram)
    }
}
