import Foundation
import Testing
import TunerCore
@testable import TunerReport

/// Sweeps in the report: the trade-off table in both formats, a chart per figure, every row compared with the
/// knee, and values that came from the service escaped.
struct SweepReportTests {
    static func sweep() -> SweepResult {
        func point(_ value: String, capacity: Double, p95: Double, transactions: Double, wait: Double) -> SweepPoint {
            var point = SweepPoint(values: ["POOL": value], capacity: capacity, p50: p95 / 2, p95: p95, p99: p95 * 1.5,
                                   achievedRate: capacity, errors: 0, readySeconds: 0.2)
            point.atCommonRate = RateLatency(rate: 20, p50: p95 / 3, p95: p95 / 2, p99: p95, achievedRate: 20, errors: 0)
            point.database = SweepDatabaseFigures(seconds: 10, requests: UInt64(capacity * 10), transactionsPerSecond: transactions,
                                                  rowsWrittenPerSecond: transactions / 2, walBytesPerSecond: 20_000,
                                                  statementsPerSecond: transactions * 3, connections: Int(value) ?? 0)
            point.service = ["audit wait ms": wait]
            return point
        }
        var failed = SweepPoint(values: ["POOL": "<b>16</b>"], failure: "exited: <script>alert(1)</script>")
        failed.readySeconds = nil
        return SweepResult(
            parameters: ["POOL"], measure: "capacity", slo: ["p99 < 200ms"],
            points: [point("2", capacity: 40, p95: 80, transactions: 120, wait: 500),
                     point("4", capacity: 78, p95: 60, transactions: 230, wait: 510),
                     point("8", capacity: 80, p95: 58, transactions: 240, wait: 505), failed],
            knee: ["POOL": "4"], recommendation: "POOL=4: 78 req/s at the SLO, within 5% of the best", commonRate: 20)
    }

    @Test func markdownHasTheTableTheKneeAndTheCommonRate() {
        var report = PerformanceReport(result: SampleResult.make(.after, seconds: 10, rate: 50))
        report.sweeps = [Self.sweep()]
        let markdown = report.markdown()
        #expect(markdown.contains("## Sweep of POOL: capacity at the SLO"))
        #expect(markdown.contains("p95 @ 20"), "\(markdown.suffix(1500))")
        #expect(markdown.contains("recommended (knee)"))
        #expect(markdown.contains("vs the knee: capacity −48.7%"), "\(markdown.suffix(1500))")
        #expect(markdown.contains("Latencies are at the common rate 20 req/s"))
        #expect(markdown.contains("Recommended: POOL=4"))
        #expect(!markdown.contains("<script>"))
    }

    @Test func htmlHasAChartPerFigureAndEscapesWhatTheServiceSaid() {
        var report = PerformanceReport(result: SampleResult.make(.after, seconds: 10, rate: 50))
        report.sweeps = [Self.sweep()]
        let html = report.html()
        #expect(html.contains("id=\"sweep-1\""))
        for title in ["Max req/s at the SLO", "p95 at 20 req/s", "Database transactions per second", "audit wait ms"] {
            #expect(html.contains("<figcaption>\(title)"), "\(title)")
        }
        #expect(html.contains(ChartPalette.green), "the knee's bar")
        #expect(!html.contains("<script>alert(1)"))
        #expect(!html.contains("<b>16</b>"))
        #expect(html.contains("&lt;script&gt;"))
    }
}
