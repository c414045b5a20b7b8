import Foundation
import Testing
import TunerCore
@testable import TunerReport

/// report.md's "The tuning guide, filled in": seed 002's blanks in its order, each the value the report's inputs
/// hold (known here by construction) with its source, or why it is not measured; nothing from the inputs unescaped.
struct TuningGuideTests {
    /// The section of report.md.
    static func guide(_ report: PerformanceReport) throws -> String {
        let markdown = report.markdown()
        return try #require(markdown.components(separatedBy: "## The tuning guide, filled in").dropFirst().first)
    }

    /// Every line of seed 002 that holds a `[FILL IN]`, by the words before the blank.
    static let blanks = ["**Last Updated:**", "**Recommended:**", "DB_MAX_OPEN_CONNS", "DB_MAX_IDLE_CONNS", "Capacity increase:",
                         "Latency improvement:", "**Consider:**", "BUFFER_FLUSH_INTERVAL", "BUFFER_SIZE_LIMIT", "| Interval |",
                         "Query performance:", "Connection handling:", "Cache hit ratio:", "| Index Name |", "CPU reduction",
                         "faster first-request latency", "time:", "Throughput:", "maxBatchSize"]

    @Test func aRunAloneSaysForEachBlankWhyItIsNotMeasuredInTheTemplatesOrder() throws {
        let guide = try Self.guide(PerformanceReport(result: SampleResult.make(.before, seconds: 10, rate: 50, withDatabase: false)))
        #expect(!guide.contains("[FILL"))
        let headings = ["Database connection pool", "Buffer flush interval", "PostgreSQL configuration", "Index optimization",
                        "Reduce JSON allocations", "Connection pool pre-warming", "Batch processing optimization", "Mutex granularity"]
        let positions = try headings.map { heading in try #require(guide.range(of: heading), "\(heading)").lowerBound }
        #expect(positions == positions.sorted())
        for blank in Self.blanks where !["| Interval |", "| Index Name |"].contains(blank) {
            let line = try #require(guide.split(separator: "\n").first { $0.replacingOccurrences(of: "\\_", with: "_").contains(blank) }, "\(blank)")
            #expect(blank == "**Last Updated:**" || line.contains("not measured"), "\(line)")
        }
        #expect(guide.contains("Trade-off analysis:** not measured"))
        #expect(guide.contains("tuner sweep"), "the why names the command that measures it")
    }

    static func profile() -> CPUProfile {
        CPUProfile(source: "http://svc/debug/pprof/profile", seconds: 4, startSecond: 1.5, measure: "cpu nanoseconds", total: 2e9,
                   samples: 200, functions: [
                       .init(name: "main.hash", location: "/src/main.go:27", flat: 0.6, cumulative: 0.7),
                       .init(name: "encoding/json.Marshal", location: "/go/json.go:158", flat: 0.01, cumulative: 0.12),
                   ])
    }

    @Test func eachBlankHoldsTheValueItsMeasurementMade() throws {
        let before = SampleResult.make(.before, seconds: 20, rate: 100, seed: 3)
        var after = SampleResult.make(.after, seconds: 20, rate: 100, seed: 4)
        after.profile = Self.profile()
        var report = PerformanceReport(steps: [
            OptimizationStep(label: "baseline", result: before),
            OptimizationStep(label: "pool", change: "pool 2 → 4", result: after, topic: .connectionPool),
        ])
        report.sweeps = [SweepReportTests.sweep()]
        var flush = SweepReportTests.sweep()
        flush.parameters = ["BUFFER_FLUSH_INTERVAL"]
        flush.measure = "rate=20"
        flush.points = [("0.5s", 300.0), ("2s", 200.0)].map { value, tx in
            var point = SweepPoint(values: ["BUFFER_FLUSH_INTERVAL": value], p95: 9, achievedRate: 20, errors: 0)
            point.database = SweepDatabaseFigures(seconds: 6, requests: 120, transactionsPerSecond: tx, rowsWrittenPerSecond: 20,
                                                  walBytesPerSecond: 1000, statementsPerSecond: nil, connections: 2)
            point.service = ["audit wait ms": value == "2s" ? 1000 : 250, "audit rows/flush": value == "2s" ? 40 : 10]
            return point
        }
        flush.knee = ["BUFFER_FLUSH_INTERVAL": "2s"]
        flush.recommendation = "BUFFER_FLUSH_INTERVAL=2s"
        report.sweeps.append(flush)
        // Rows/s 1,000, 9,000, 9,500: the knee is 100 (within 10% of the best), 2.5 ms a batch.
        report.batch = BatchResult(table: "audit_log", upsert: true, sizes: [
            .init(size: 1, milliseconds: [1, 1, 1], walBytes: 600),
            .init(size: 100, milliseconds: [100.0 / 9, 100.0 / 9, 100.0 / 9], walBytes: 60_000),
            .init(size: 1000, milliseconds: [1000.0 / 9.5, 1000.0 / 9.5, 1000.0 / 9.5], walBytes: 600_000),
        ])
        report.coldStart = ColdStartResult(target: "http://svc/", requestsPerStart: 3, variants: [
            .init(name: "PREWARM=0", starts: [.init(readyMilliseconds: 300, requestMilliseconds: [260, 10, 10])]),
            .init(name: "PREWARM=1", starts: [.init(readyMilliseconds: 550, requestMilliseconds: [12, 10, 10])]),
        ])
        let guide = try Self.guide(report)
        #expect(!guide.contains("[FILL"))
        #expect(guide.contains("**Recommended:** **4 connections**"), "\(guide.prefix(800))")
        #expect(guide.contains("DB_MAX_OPEN_CONNS=4\n") && guide.contains("DB_MAX_IDLE_CONNS=4\n"))
        #expect(guide.contains("**Consider:** **2 seconds**"))
        #expect(guide.contains("BUFFER_FLUSH_INTERVAL=2s\n") && guide.contains("BUFFER_SIZE_LIMIT=100\n"))
        #expect(guide.contains("one 2s flush held 40 rows"))
        #expect(guide.contains("| 0.5s | rows wait 250 ms; p95 9 ms | 300 tx/s | 20 req/s | vs the knee:"), "\(guide)")
        #expect(guide.contains("| 2s | rows wait 1,000 ms; p95 9 ms | 200 tx/s | 20 req/s | recommended (knee) |"))
        #expect(guide.contains("Batch UPSERT time: **11.11 ms** "), "\(guide)")
        #expect(guide.contains("for **100 rows**"))
        #expect(guide.contains("Throughput: **9,000 rows/sec**"))
        #expect(guide.contains("const maxBatchSize = 100 "))
        #expect(guide.contains("**248 ms** *(`tuner coldstart`"), "\(guide)")
        let p99 = try #require(report.comparison?.overall.figure("p99"))
        let improvement = NumberFormat.change((p99.before - p99.after) / p99.before * 100).replacingOccurrences(of: "+", with: "")
        // A change within run-to-run noise is not stated as one.
        #expect(guide.contains("Latency improvement: **\(p99.verdict.isBeyondNoise ? improvement : "none beyond run-to-run noise")**"))
        #expect(guide.contains("Issue identified:** **encoding/json takes 12% of the service's CPU**"), "\(guide)")
        #expect(guide.contains("main.hash: 60% CPU time\nLocation: /src/main.go:27"))
        #expect(guide.contains("- [x] CPU profile collected (pprof)"))
        // Nothing the log did not measure is invented: there was no settings change, no capacity search.
        #expect(guide.contains("Query performance: not measured"))
        #expect(guide.contains("Capacity increase: not measured"))
    }

    @Test func whatCameFromTheDatabaseOrTheServiceIsEscaped() throws {
        var result = SampleResult.make(.before, seconds: 10, rate: 50, hostile: true)
        result.profile = CPUProfile(source: "http://svc/<x>", seconds: 1, startSecond: 0, measure: "cpu nanoseconds", total: 1e9,
                                    samples: 10, functions: [.init(name: "<script>alert(1)</script>", location: "a|b", flat: 1, cumulative: 1)])
        var report = PerformanceReport(result: result)
        report.batch = BatchResult(table: "we`ird<script>", upsert: false, sizes: [.init(size: 10, milliseconds: [1], walBytes: 10)])
        let markdown = report.markdown()
        // Inside fenced code blocks text is literal (renderers escape it); everywhere else it must be escaped.
        var outsideCode: [Substring] = []
        var inFence = false
        for line in markdown.split(separator: "\n") {
            if line.hasPrefix("```") { inFence.toggle() } else if !inFence { outsideCode.append(line) }
        }
        let spans = try NSRegularExpression(pattern: "(`+).*?\\1")
        outsideCode = outsideCode.map { line in
            let text = String(line)
            return Substring(spans.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: ""))
        }
        #expect(!outsideCode.joined(separator: "\n").contains("<script>"), "\(outsideCode.filter { $0.contains("<script>") })")
        #expect(markdown.contains("<script>alert(1)</script>: 100% CPU time"), "the bottleneck block holds the name as it is")
        let html = report.html()
        #expect(!html.contains("<script>alert"))
    }
}
