import Foundation
import Testing
@testable import TunerCore

/// TunerCore's parsers of what users type: thresholds, durations, percentages, and the Prometheus text format.
struct ParserTests {
    @Test(arguments: [
        ("p95 < 100ms", "all", "p95", Threshold.Comparison.less, 100.0),
        ("p(99.9) <= 1.5s", "all", "p99.9", .lessOrEqual, 1_500),
        ("error_rate < 1%", "all", "error_rate", .less, 0.01),
        ("http_req_failed < 0.02", "all", "error_rate", .less, 0.02),
        ("rps > 500", "all", "rps", .greater, 500),
        ("product: p99 < 300ms", "product", "p99", .less, 300),
        ("create-order: mean >= 20", "create-order", "mean", .greaterOrEqual, 20),
        ("count == 1_000", "all", "count", .equal, 1_000),
        ("GET /: p99[1m] < 200ms", "GET /", "p99", .less, 200),
    ])
    func thresholdsParse(text: String, scope: String, metric: String, comparison: Threshold.Comparison, limit: Double) throws {
        let threshold = try Threshold(parsingScoped: text)
        #expect(threshold.scope == scope)
        #expect(threshold.metric.description == metric)
        #expect(threshold.comparison == comparison)
        #expect(abs(threshold.limit - limit) < 1e-9)
    }

    @Test(arguments: [
        ("p95 100ms", "expected METRIC OP VALUE"),
        ("p101 < 5ms", "unknown metric"),
        ("latency < 5ms", "unknown metric"),
        ("p95 < quick", "not a latency"),
        ("error_rate < 5", "not a rate"),
        ("rps > many", "not a number"),
        ("checkout: p99[0.5s] < 1s", "bad threshold 'p99[0.5s] < 1s'"),
    ])
    func badThresholdsSayWhatIsAccepted(text: String, reason: String) {
        #expect(throws: ParseError.self) { try Threshold(parsingScoped: text) }
        do {
            _ = try Threshold(parsingScoped: text)
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test(arguments: [("250ms", 0.25), ("30s", 30.0), ("5m", 300.0), ("1h", 3_600.0), ("1.5s", 1.5), ("800us", 0.0008),
                      ("1m30s", 90.0), ("2d", 172_800.0)])
    func durationsParse(text: String, seconds: Double) throws {
        #expect(abs(try Duration(parsing: text).seconds - seconds) < 1e-9)
    }

    @Test(arguments: ["", "forever", "5 parsecs", "ms", "-3s"])
    func badDurationsAreRefused(text: String) {
        #expect(throws: ParseError.self) { try Duration(parsing: text) }
    }

    @Test func percentagesHaveOneSyntax() throws {
        #expect(Percentage.parse("5%")?.fraction == 0.05)
        #expect(Percentage.parse(" 30 % ")?.fraction == 0.3)
        #expect(Percentage.parse("0.05")?.fraction == 0.05)
        #expect(Percentage.parse("0.05")?.isPercent == false)
        #expect(Percentage.parse("five") == nil)
        #expect(Percentage.parse("nan%") == nil)
        #expect(try Percentage.fraction(parsing: "30%") == 0.3)
        #expect(throws: ParseError.self) { try Percentage.fraction(parsing: "150%") }
        #expect(throws: ParseError.self) { try Percentage.fraction(parsing: "0%") }
    }

    @Test func prometheusTextIsParsedWithLabelsEscapesAndComments() throws {
        let text = #"""
            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3
            msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9
            metric_without_labels 12.5
            something_weird{problem="division by zero"} +Inf
            """#
        let samples = PrometheusText.parse(text)
        #expect(samples.count == 5)
        #expect(samples[0] == .init(name: "http_requests_total", labels: ["method": "post", "code": "200"], value: 1027))
        #expect(samples[1].value == 3)
        #expect(samples[2].labels["path"] == #"C:\DIR\FILE.TXT"#)
        #expect(samples[2].labels["error"] == "Cannot find file:\n\"FILE.TXT\"")
        #expect(samples[3] == .init(name: "metric_without_labels", value: 12.5))
        #expect(samples[4].value == .infinity)
    }

    @Test func histogramQuantilesInterpolateWithinBuckets() throws {
        // 100 observations: 50 up to 0.1, 40 more up to 0.5, 10 more up to 1.
        let buckets: [(upperBound: Double, count: Double)] = [(0.1, 50), (0.5, 90), (1, 100), (.infinity, 100)]
        #expect(abs(try #require(PrometheusText.quantile(0.5, buckets: buckets)) - 0.1) < 1e-9)
        #expect(abs(try #require(PrometheusText.quantile(0.7, buckets: buckets)) - 0.3) < 1e-9)
        #expect(abs(try #require(PrometheusText.quantile(0.95, buckets: buckets)) - 0.75) < 1e-9)
        #expect(PrometheusText.quantile(0.5, buckets: [(1, 0)]) == nil)
    }
}

@Suite struct ShardParsingTests {
    @Test func shardsAndStartTimesAreRead() throws {
        #expect(try Shard(parsing: "2/5") == Shard(index: 2, count: 5))
        for bad in ["5/5", "-1/3", "1", "a/b", "1/0", ""] {
            #expect(throws: ParseError.self, "\(bad)") { try Shard(parsing: bad) }
        }
        #expect(try StartTime.parse("1764800000.5") == Date(timeIntervalSince1970: 1_764_800_000.5))
        #expect(try StartTime.parse("2026-12-04T17:00:00Z") == Date(timeIntervalSince1970: 1_796_403_600))
        #expect(try StartTime.parse("2026-12-04T18:00:00.250+01:00") == Date(timeIntervalSince1970: 1_796_403_600.25))
        #expect(throws: ParseError.self) { try StartTime.parse("tomorrow") }
    }
}
