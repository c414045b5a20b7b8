import Foundation
import FoundationXML
import Testing
import TunerCore
@testable import TunerReport

@Suite struct HTMLReportTests {
    @Test func textFromTheDatabaseAndTheTargetIsEscaped() throws {
        let result = SampleResult.make(.before, seconds: 20, rate: 100, hostile: true)
        #expect(result.database?.queries.contains { $0.query == SampleResult.hostileQuery } == true)
        let html = PerformanceReport(result: result, baseline: SampleResult.make(.before, seconds: 20, rate: 100, seed: 9, hostile: true)).html()
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<img src=x"))
        #expect(html.contains("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;"))
        #expect(html.contains("&lt;script&gt;alert(&quot;query&quot;)&lt;/script&gt;"))
        #expect(html.contains("&lt;img src=x onerror=alert(&#39;note&#39;)&gt;"))
        #expect(html.contains("&quot;&gt;&lt;script&gt;alert(&#39;target&#39;)"))
    }

    /// The flame graph: a box per frame, as wide as its share, every frame name escaped (a service's own function
    /// can be named anything a profiler reports), the place to act in its own colour; the page stays well-formed XML.
    @Test func theFlameGraphEscapesEveryFrameAndSizesItsBoxes() throws {
        var result = SampleResult.make(.before, seconds: 20, rate: 100)
        let stacks = try FoldedStacks(parsing: """
            svc;main;<script>alert('frame')</script> 75
            svc;main;encode&quote 25
            """)
        result.profile = CPUProfile(stacks: stacks, own: ["main", "<script>alert('frame')</script>"])
        let html = PerformanceReport(result: result).html()
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("<title>&lt;script&gt;alert(&#39;frame&#39;)&lt;/script&gt; (75"), "the tooltip")
        #expect(html.contains("encode&amp;quote"))
        let svg = try #require(html.range(of: "<svg class=\"flame\"").map { html[$0.lowerBound...] }
            .flatMap { part in part.range(of: "</svg>").map { String(part[..<$0.upperBound]) } })
        _ = try XMLDocument(xmlString: svg)
        // Five boxes (the whole, svc, main and the two leaves), the first three the whole width; the leaves three to one.
        let widths = svg.components(separatedBy: "width=\"").dropFirst(2).compactMap { Double($0.prefix { $0 != "\"" }) }
        #expect(widths.count == 5, "\(widths)")
        #expect(widths.sorted().suffix(3).allSatisfy { $0 > 1170 }, "\(widths)")
        let leaves = widths.sorted().prefix(2)
        #expect(abs(leaves.last! / leaves.first! - 3) < 0.05, "\(widths)")
        #expect(svg.contains("fill=\"rgb(90,150,230)\""), "the place to act stands out")
    }

    @Test func theWindowsAWindowedThresholdFailedInAreMarkedOnTheLatencyChart() throws {
        var result = SampleResult.make(.before, seconds: 30, rate: 150)
        let threshold = try Threshold(scope: "all", parsing: "p99[5s] < 1ms")
        // Judged for real over the sample's series: its latencies are far above 1 ms, so every window fails.
        let outcome = ThresholdWindowJudge.outcome(of: threshold, over: result.series)
        #expect(!outcome.passed)
        result.thresholds = [outcome]
        let html = PerformanceReport(result: result).html()
        let failedBands = html.components(separatedBy: "band band-failed").count - 1
        #expect(failedBands == 1, "overlapping failing windows are one span")
        #expect(html.contains("p99[5s] &lt; 1ms failed"))

        result.thresholds = [ThresholdWindowJudge.outcome(of: try Threshold(scope: "all", parsing: "p99[5s] < 1h"), over: result.series)]
        #expect(!PerformanceReport(result: result).html().contains("band band-failed"))
    }

    /// A window scoped to one request is judged on that request's part of each second: the chart draws that line
    /// too, since all requests' lines can hide a slow request that is a small share of them.
    @Test func aScopedWindowsRequestHasItsOwnLineOnTheLatencyChart() throws {
        var result = SampleResult.make(.before, seconds: 30, rate: 150)
        let name = "<b>checkout</b>"
        // The request's part of each second: 5 requests at 400 ms, from second 15 on (10 ms before).
        for index in result.series.indices {
            var histogram = LatencyHistogram.makeLatency()
            for _ in 0..<5 { histogram.recordClamped(micros: result.series[index].second >= 15 ? 400_000 : 10_000) }
            result.series[index].names = [.init(name: name, requests: 5, errors: 0, histogram: HistogramCodec.encode(histogram))]
        }
        let threshold = try Threshold(scope: name, parsing: "p99[5s] < 200ms")
        let outcome = ThresholdWindowJudge.outcome(of: threshold, over: result.series)
        #expect(!outcome.passed && outcome.failedWindows?.first?.end == 16)
        result.thresholds = [outcome]
        let html = PerformanceReport(result: result).html()
        #expect(html.contains("&lt;b&gt;checkout&lt;/b&gt; p99</span>"), "the line's legend, escaped")
        #expect(!html.contains("<b>checkout"))
        #expect(html.contains("&lt;b&gt;checkout&lt;/b&gt;: p99[5s] &lt; 200ms failed"))
        // Without the request's latencies there is no line to draw.
        for index in result.series.indices { result.series[index].names?[0].histogram = nil }
        #expect(!PerformanceReport(result: result).html().contains("&lt;b&gt;checkout&lt;/b&gt; p99</span>"))
    }

    @Test func thePageLoadsNothingFromOutsideAndRunsNoScript() {
        let html = PerformanceReport(result: SampleResult.make(.before, seconds: 20, rate: 100)).html()
        for forbidden in ["<script", "<link", "<iframe", "<img", " src=", "@import", "url(http", "href=\"http"] {
            #expect(!html.lowercased().contains(forbidden), "found \(forbidden)")
        }
        #expect(html.contains("Content-Security-Policy"))
        #expect(html.contains("default-src 'none'"))
    }

    @Test func everyChartIsWellFormedSVGWithAxesAndUnits() throws {
        let result = SampleResult.make(.before, seconds: 30, rate: 150, hostile: true)
        let html = PerformanceReport(result: result, baseline: SampleResult.make(.after, seconds: 30, rate: 150, hostile: true)).html()
        let svgs = Self.svgElements(in: html)
        // throughput, latency, spectrum, queries, connections, spectrum before/after, p99 per endpoint
        #expect(svgs.count == 7)
        for svg in svgs {
            let document = try XMLDocument(xmlString: svg, options: [])
            #expect(document.rootElement()?.name == "svg")
        }
        for title in ["Throughput over time", "Latency percentiles over time", "Latency percentile spectrum",
                      "Connections by state", "Latency spectrum, before and after", "p99 per endpoint"] {
            #expect(html.contains(">\(title)<"), "missing chart \(title)")
        }
        #expect(html.contains(">req/s</text>"))
        #expect(html.contains(">ms</text>"))
        #expect(html.contains(">connections</text>"))
        #expect(html.contains(">99.9%</text>"))
        #expect(html.contains("warm-up (excluded)"))
    }

    @Test func theMeasuredValuesAppearInThePage() {
        let result = SampleResult.make(.before, seconds: 20, rate: 100)
        let html = PerformanceReport(result: result).html()
        let list = result.requests[0]
        #expect(html.contains(NumberFormat.millis(list.latency.p95)))
        #expect(html.contains(NumberFormat.millis(result.overall.latency.p99)))
        #expect(html.contains(NumberFormat.count(result.overall.count)))
        let crossed = result.thresholds.filter { !$0.passed }
        #expect(!crossed.isEmpty)
        #expect(html.contains("class=\"verdict fail\""))
        #expect(html.contains("CREATE INDEX CONCURRENTLY orders_customer_id_idx"))
        #expect(html.contains("products_name_trgm_idx"))
        #expect(html.contains("unused during the load"))
    }

    @Test func aLoadTestWithoutDatabaseOrScheduleStillRenders() throws {
        var result = SampleResult.make(.after, seconds: 12, rate: 50, withDatabase: false, perSecondHistograms: false)
        result.schedule = nil
        result.configuration.model = "closed"
        result.thresholds = []
        let html = PerformanceReport(result: result).html()
        #expect(html.contains("Not observed"))
        #expect(!html.contains("Connections by state"))
        #expect(html.contains("class=\"verdict none\""))
        #expect(!html.contains(">schedule<"))
        #expect(Self.svgElements(in: html).count == 3)
    }

    @Test func anEmptyRunDoesNotCrash() {
        var result = SampleResult.make(.after, seconds: 1, rate: 1, withDatabase: false)
        result.series = []
        let html = PerformanceReport(result: result).html()
        #expect(html.contains("Performance baseline report"))
    }

    static func svgElements(in html: String) -> [String] {
        var out: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg "), let end = rest[start.lowerBound...].range(of: "</svg>") {
            out.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return out
    }
}
