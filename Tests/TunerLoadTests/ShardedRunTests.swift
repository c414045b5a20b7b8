import Foundation
import Testing
import TunerCore
import TunerTestSupport
@testable import TunerLoad

/// Shards of one plan, run side by side in this process on one clock, against a real HTTP server: their shares add up
/// to the whole plan, second by second, and their merge is the sum of their histograms.
@Suite(.serialized) struct ShardedRunTests {
    static func openPlan(_ url: String, rate: Double, seconds: Double, connections: Int = 12) throws -> LoadPlan {
        try LoadEngineTests.plan(url, model: .open, level: rate, seconds: seconds, connections: connections, threads: 1)
    }

    /// Three shards started 0.4 s apart but given one start time: 300 req/s for 3 s in all. The start is 30 s ahead:
    /// a shard's setup (its loops, its pool's connections) must be done by then even on a starved CI machine (at the
    /// suite's start, with every other suite starting beside it, 10 s was not enough: every shard began after its
    /// whole schedule had passed).
    @Test func shardsStartedApartOnOneClockAddUpToThePlan() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let plan = try Self.openPlan(server.url, rate: 300, seconds: 3)
        let startAt = Date().addingTimeInterval(30)
        let results = try await withThrowingTaskGroup(of: LoadResult.self) { group in
            for index in 0..<3 {
                let shard = try plan.sharded(Shard(index: index, count: 3), startAt: startAt)
                group.addTask {
                    try await Task.sleep(for: .milliseconds(400 * index))
                    return try await LoadEngine.run(shard)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }.sorted { $0.shard!.index < $1.shard!.index }
        }
        for result in results {
            let shard = try #require(result.shard)
            #expect(shard.plan == plan.fingerprint && shard.count == 3 && shard.startAt == startAt)
            #expect(try #require(shard.startSkewMilliseconds) < 1000, "every shard waited for the common start")
            // A shard's schedule is its exact share: a third of the events.
            #expect(result.schedule?.planned == 300, "\(result.schedule.map { "\($0)" } ?? "no schedule")")
            #expect(result.configuration.rate == 100)
        }
        let merged = try ResultMerger.merge(results)
        #expect(merged.shard == nil && merged.shards == 3)
        #expect(abs(Double(merged.overall.count) - 900) <= 18, "rate × duration ± 2%: \(merged.overall.count)")
        #expect(merged.schedule?.planned == 900)
        // The shards' seconds are the same seconds: the merge adds them second by second, exactly.
        for point in merged.series {
            let shards = results.reduce(0) { sum, result in sum + (result.series.first { $0.second == point.second }?.requests ?? 0) }
            #expect(point.requests == shards, "second \(point.second): \(point.requests), the shards' \(shards)")
        }
        // Every second then holds the full rate, when the server answered within the second (the series counts
        // answers; a starved machine's server answers some in the next second).
        if merged.overall.latency.p99 < 100 {
            for second in 0..<3 {
                let requests = merged.series.first { $0.second == second }?.requests ?? 0
                #expect(abs(Double(requests) - 300) <= 30, "second \(second): \(requests) of 300 (\(merged.series.map(\.requests)))")
            }
        }
        // The merged histogram is the shards' added bucket by bucket.
        var sum = LatencyHistogram.makeLatency()
        for result in results { sum.add(try result.overall.latencyHistogram()) }
        #expect(HistogramCodec.encode(sum) == merged.overall.histograms.latency)
        #expect(try merged.overall.latencyHistogram().totalCount == merged.overall.count)
    }

    /// A shard whose start time has passed joins late: the events due before are not sent, it says so, and its
    /// seconds are still counted from the common start.
    @Test func aShardThatStartsLateSkipsThePastAndSaysSo() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let plan = try Self.openPlan(server.url, rate: 100, seconds: 3).sharded(Shard(index: 0, count: 1), startAt: Date().addingTimeInterval(-1))
        let result = try await LoadEngine.run(plan)
        // How late it joined depends on how long its setup took; what it sent must be the rest of the schedule.
        let skew = try #require(result.shard?.startSkewMilliseconds)
        #expect(skew >= 1000, "\(skew)")
        #expect(result.notes.contains { $0.contains("after the common start time") }, "\(result.notes)")
        let expected = max(0, 3 - skew / 1000) * 100
        #expect(abs(Double(result.overall.count) - expected) <= expected * 0.1 + 10,
                "joined \(skew) ms late: \(result.overall.count) sent, the rest of the schedule is \(expected)")
        #expect(result.series.first { $0.second == 0 }.map { $0.requests < 20 } ?? true, "second 0 had passed")
    }

    /// Joining a fraction of a second late still skips the requests due before, and the result says how many.
    @Test func aShardThatStartsSlightlyLateSaysWhatItSkipped() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let plan = try Self.openPlan(server.url, rate: 100, seconds: 2).sharded(Shard(index: 0, count: 1), startAt: Date().addingTimeInterval(-0.3))
        let result = try await LoadEngine.run(plan)
        let note = try #require(result.notes.first { $0.contains("after the common start time") }, "\(result.notes)")
        let skipped = try #require(note.components(separatedBy: "; the ").last?.split(separator: " ").first.flatMap { Int($0) }, "\(note)")
        #expect(skipped >= 30, "\(note)")
        #expect(Int(result.schedule?.planned ?? 0) + skipped <= 200 && Int(result.schedule?.planned ?? 0) + skipped >= 190,
                "planned \(result.schedule?.planned ?? 0) + skipped \(skipped) is the schedule (200)")
    }

    @Test func connectionsAreSplitWithTheRemainderSpread() throws {
        let plan = try LoadEngineTests.plan("http://127.0.0.1:1/", level: 5)
        #expect((0..<2).map { Shard(index: $0, count: 2).portion(of: 5) } == [3, 2])
        #expect((0..<4).map { Shard(index: $0, count: 4).portion(of: 5) } == [2, 1, 1, 1])
        // Shard 1 of 2 on 2 event loops: its loops are the global shares 1 and 3 of 4, every other event between them.
        let sharded = try plan.sharded(Shard(index: 1, count: 2), startAt: nil)
        #expect(sharded.share(loop: 0, of: 2) == (1, 4) && sharded.share(loop: 1, of: 2) == (3, 4))
        #expect(throws: LoadError.self) { try plan.sharded(Shard(index: 0, count: 6), startAt: nil) }
    }
}
