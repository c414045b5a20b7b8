import Foundation
import Testing
import TunerCore
@testable import TunerLoad

@Suite struct ResultMergerTests {
    /// A result as one shard would write it, with latencies drawn from `values`.
    static func shard(_ values: [UInt64], errors: UInt64, second: Int, thresholds: [String: [String]]) throws -> LoadResult {
        var stats = NameStats(isOpen: false)
        for value in values {
            stats.latency.recordClamped(micros: value)
            stats.statusCounts[200] += 1
        }
        stats.count = UInt64(values.count) + errors
        stats.errors[ErrorSlot.status5xx.rawValue] = errors
        stats.statusCounts[500] = errors
        let request = stats.requestStats(name: "home", durationSeconds: 10)
        var overall = request
        overall.name = "all"
        var point = SecondStats(second: second, names: 1)
        point.latency = stats.latency
        point.count = stats.count
        let configuration = RunConfiguration(
            target: "http://127.0.0.1:1", model: "closed", stages: [], connections: 8, rate: nil, durationSeconds: 10,
            warmUpSeconds: 0, connectTimeoutSeconds: 5, requestTimeoutSeconds: 10, eventLoops: 2,
            requests: [.init(name: "home", method: "GET", path: "/", weight: 1)], thresholds: thresholds)
        return LoadResult(
            tool: "tuner test", startedAt: Date(), finishedAt: Date(), configuration: configuration, overall: overall,
            requests: [request],
            series: [SeriesPoint(second: second, isWarmUp: false, requests: point.count, errors: errors, p50: 0, p99: 0,
                                 histogram: HistogramCodec.encode(point.latency),
                                 names: [.init(name: "home", requests: point.count, errors: errors,
                                               histogram: HistogramCodec.encode(point.latency))])],
            schedule: nil,
            generator: GeneratorStats(cpuPercentMean: 10, cpuPercentMax: 20, cores: 2, maxResidentBytes: 1, wasBottleneck: false),
            thresholds: [])
    }

    @Test func mergeAddsHistogramsAndCountsAndReevaluatesThresholds() throws {
        var random = FastRandom(seed: 5)
        let a = (0..<5_000).map { _ in UInt64.random(in: 100...2_000, using: &random) }
        let b = (0..<5_000).map { _ in UInt64.random(in: 1_000...90_000, using: &random) }
        let merged = try ResultMerger.merge([
            try Self.shard(a, errors: 0, second: 0, thresholds: ["all": ["p99 < 50ms"]]),
            try Self.shard(b, errors: 100, second: 0, thresholds: ["home": ["error_rate < 5%", "p99[1s] < 50ms"]]),
        ])
        var all = LatencyHistogram.makeLatency()
        for value in a + b { all.recordClamped(micros: value) }
        #expect(merged.overall.count == 10_100)
        #expect(merged.overall.errors == ["status_5xx": 100])
        #expect(merged.overall.statusCodes == ["200": 10_000, "500": 100])
        #expect(merged.overall.latency.p99 == all.millis(atPercentile: 99))
        #expect(merged.overall.rps == 1_010)
        #expect(merged.configuration.connections == 16)
        #expect(merged.shards == 2)
        #expect(merged.series.count == 1 && merged.series[0].requests == 10_100)
        #expect(merged.series[0].p99 == all.millis(atPercentile: 99))
        // Each name's part of the second is summed too, its latencies exactly.
        let home = try #require(merged.series[0].names?.first)
        #expect(merged.series[0].names?.count == 1 && home.name == "home" && home.requests == 10_100 && home.errors == 100)
        #expect(try HistogramCodec.decode(try #require(home.histogram)).millis(atPercentile: 99) == all.millis(atPercentile: 99))
        // Each shard passed its own threshold; the merged run crosses the first one.
        let outcomes = Dictionary(uniqueKeysWithValues: merged.thresholds.map { ($0.threshold.description, $0.passed) })
        #expect(outcomes == ["p99 < 50ms": false, "home: error_rate < 5%": true, "home: p99[1s] < 50ms": false])
    }
}
