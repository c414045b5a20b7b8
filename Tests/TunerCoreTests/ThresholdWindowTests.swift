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

    /// One second with two names: `home`'s 90 requests at 10 ms, `checkout`'s 10 at `checkoutMillis`.
    static func mixed(_ second: Int, checkoutMillis: UInt64, checkoutErrors: UInt64 = 0, keep: Bool = true) -> SeriesPoint {
        var all = LatencyHistogram.makeLatency()
        var home = LatencyHistogram.makeLatency()
        var checkout = LatencyHistogram.makeLatency()
        for _ in 0..<90 { home.recordClamped(micros: 10_000) }
        for _ in 0..<10 { checkout.recordClamped(micros: checkoutMillis * 1000) }
        all.add(home)
        all.add(checkout)
        return SeriesPoint(
            second: second, isWarmUp: false, requests: 100, errors: checkoutErrors, p50: 10, p99: Double(checkoutMillis),
            histogram: HistogramCodec.encode(all),
            names: [.init(name: "home", requests: 90, errors: 0, histogram: keep ? HistogramCodec.encode(home) : nil),
                    .init(name: "checkout", requests: 10, errors: checkoutErrors, histogram: keep ? HistogramCodec.encode(checkout) : nil)])
    }

    @Test func aScopedWindowJudgesOnlyItsRequestsPartOfEachSecond() throws {
        // Checkout (a tenth of the requests) turns slow from second 12 and fails 3 of its 10 in seconds 15–16.
        let series = (0..<20).map { Self.mixed($0, checkoutMillis: $0 >= 12 ? 400 : 10, checkoutErrors: (15...16).contains($0) ? 3 : 0) }
        let home = try Threshold(scope: "home", parsing: "p99[5s] < 200ms")
        let checkout = try Threshold(scope: "checkout", parsing: "p99[5s] < 200ms")
        let all = try Threshold(scope: "all", parsing: "p90[5s] < 200ms")
        let checkoutErrors = try Threshold(scope: "checkout", parsing: "error_rate[2s] < 10%")
        let allErrors = try Threshold(scope: "all", parsing: "error_rate[2s] < 10%")
        let overall = try Self.overall(series)
        let stats = [RequestStats(name: "home", count: 1800, errors: [:], statusCodes: [:], bytesReceived: 0, durationSeconds: 20,
                                  latency: LatencyHistogram.makeLatency()),
                     RequestStats(name: "checkout", count: 200, errors: [:], statusCodes: [:], bytesReceived: 0, durationSeconds: 20,
                                  latency: LatencyHistogram.makeLatency())]
        let outcomes = Threshold.evaluate([home, checkout, all, checkoutErrors, allErrors], overall: overall, requests: stats, series: series)
        #expect(outcomes[0].passed && abs(outcomes[0].measured - 10) < 0.1)
        // Windows end after seconds 4..19; those ending after 12..19 hold a slow checkout second (8 of 16).
        #expect(!outcomes[1].passed)
        #expect(outcomes[1].failedWindows?.map(\.start) == Array(8...15))
        #expect(abs(outcomes[1].measured - 400) < 1)
        #expect(outcomes[2].passed, "checkout's slow tenth is above all requests' p90")
        // 3 errors in 10 checkout requests is 30% (15% in a window with one clean second); in all the requests, 3%.
        #expect(!outcomes[3].passed && abs(outcomes[3].measured - 0.3) < 1e-9)
        #expect(outcomes[3].failedWindows?.map(\.start) == [14, 15, 16])
        #expect(outcomes[4].passed)
    }

    @Test func aScopedLatencyWindowWithoutTheNamesLatenciesSaysSo() throws {
        let series = (0..<5).map { Self.mixed($0, checkoutMillis: 10, keep: false) }
        let outcome = ThresholdWindowJudge.outcome(of: try Threshold(scope: "checkout", parsing: "p99[2s] < 200ms"), over: series)
        #expect(!outcome.passed)
        #expect(outcome.note?.contains("no per-second latencies of 'checkout'") == true, "\(outcome.note ?? "")")
        // Its counts are there: a count-based window is judged.
        #expect(ThresholdWindowJudge.outcome(of: try Threshold(scope: "checkout", parsing: "rps[2s] > 5"), over: series).passed)
    }

    @Test func aRunShorterThanItsWindowIsJudgedWhole() throws {
        let series = (0..<3).map { Self.second($0, millis: 50) }
        let outcome = ThresholdWindowJudge.outcome(of: try Threshold(scope: "all", parsing: "p95[1m] < 20ms"), over: series)
        #expect(!outcome.passed)
        #expect(outcome.note?.contains("shorter than the 1m window") == true)
    }

    @Test(arguments: [
        ("all", "p99[0.5s] < 200ms", "1s or more"),
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
