import Foundation
import Testing
import TunerCore
@testable import TunerReport

/// The service's own figures in the reports, and in before/after: a service whose CPU per request halved is
/// better beyond noise; one that did not change is within it.
struct ServiceReportTests {
    /// A measured service using `perRequest` ms of CPU per request, with a little per-second jitter.
    static func usage(for result: LoadResult, perRequest: Double, seed: UInt64, peak: Int64 = 80 << 20) -> ServiceUsage {
        var random = SampleResult.Random(state: seed)
        let measured = result.series.filter { !$0.isWarmUp }
        let series = measured.enumerated().map { index, point in
            ServiceUsage.Point(second: index + 1, cores: Double(point.requests) * perRequest * (0.95 + random.next() * 0.1) / 1000,
                               residentBytes: peak)
        }
        let cpu = series.reduce(0) { $0 + $1.cores }
        return ServiceUsage(
            source: "pid 42 <script>", cpuSeconds: cpu, requests: result.overall.count, wallSeconds: Double(series.count),
            coresMax: series.map(\.cores).max(), residentBytesAtStart: 40 << 20, residentBytesPeak: peak, series: series)
    }

    @Test func theReportsShowTheServiceEscaped() throws {
        var result = SampleResult.make(.after, seconds: 20, rate: 100, seed: 5)
        result.service = Self.usage(for: result, perRequest: 4, seed: 1)
        let report = PerformanceReport(result: result)
        let markdown = MarkdownReport(report: report).render()
        #expect(markdown.contains("## The service during the run"))
        #expect(markdown.contains("| CPU per request | 4"), "\(markdown)")
        #expect(markdown.contains("80 MB peak") || markdown.contains("83.9 MB peak"), "\(markdown)")
        #expect(markdown.contains("CO2 per request (estimate)"))
        let html = HTMLReport(report: report).render()
        #expect(html.contains("The service during the run"))
        #expect(html.contains("pid 42 &lt;script&gt;") && !html.contains("pid 42 <script>"))
    }

    /// A run of one kind of request: its CPU per request is that endpoint's, and says so (escaped).
    @Test func aRunOfOneEndpointNamesItsCPUPerRequest() throws {
        var result = SampleResult.make(.after, seconds: 20, rate: 100, seed: 5, hostile: true)
        result.requests = result.requests.filter { $0.name.contains("script") }
        result.service = Self.usage(for: result, perRequest: 4, seed: 1)
        let markdown = PerformanceReport(result: result).markdown()
        #expect(markdown.contains("| CPU per request of &lt;script&gt;alert('name')&lt;/script&gt; (the only endpoint) | 4"), "\(markdown)")
        let html = PerformanceReport(result: result).html()
        #expect(html.contains("CPU per request of &lt;script&gt;") && !html.contains("of <script>"))
    }

    @Test func halvedCPUPerRequestIsBetterBeyondNoiseAndTheSameIsWithin() throws {
        var before = SampleResult.make(.after, seconds: 30, rate: 100, seed: 7)
        var after = SampleResult.make(.after, seconds: 30, rate: 100, seed: 8)
        before.service = Self.usage(for: before, perRequest: 8, seed: 2)
        after.service = Self.usage(for: after, perRequest: 4, seed: 3)
        let better = RunComparison(before: before, after: after)
        let cpu = try #require(better.service.first { $0.name == "service CPU per request" })
        #expect(cpu.verdict == .improved, "\(cpu)")
        #expect(better.significantChanges.contains { $0.scope == "service" })
        after.service = Self.usage(for: after, perRequest: 8, seed: 4)
        let same = RunComparison(before: before, after: after)
        #expect(same.service.first { $0.name == "service CPU per request" }?.verdict == .withinNoise)
        #expect(MarkdownComparison(comparison: same, baseline: before, result: after).render().contains("service CPU per request"))
    }
}
