import Foundation
import Testing
import TunerTestSupport
import TunerCore
@testable import TunerLoad

/// The open model against a server that stalls on a known schedule, so that the true latency of every
/// request follows from its intended start: nothing waiting may fall out of the percentiles.
@Suite(.serialized) struct OpenModelStallTests {
    /// The true latency percentile when a quarter of the time is a stall of `stall` seconds: a request
    /// due `s` before a stall ends waits `s`, uniform over the stall, and the others are answered at once,
    /// so P(latency > x) = ¼ · (1 − x / stall).
    static func truth(percentile: Double, stall: Double) -> Double {
        stall * (1 - (1 - percentile / 100) / 0.25)
    }

    @Test(arguments: [100.0, 200.0, 300.0])
    func percentilesFollowTheStallSchedule(rate: Double) async throws {
        // A figure below the schedule's truth is the bug this guards against (waiting requests left out of the
        // percentiles): it fails at once. A figure above it can also be a machine shared with the rest of the
        // suite starving the generator and the server for a while (clean-clone CI runs start dozens of PostgreSQL
        // clusters while this runs first), so a run that is only too high is repeated after a pause, twice at
        // most: an engine that mis-times waiting requests is off every time.
        var misses: [Miss] = []
        for attempt in 1...3 {
            misses = try await Self.measureAgainstTheSchedule(rate: rate)
            if misses.isEmpty { return }
            if misses.contains(where: { !$0.isAbove }) { break }
            if attempt < 3 { try await Task.sleep(for: .seconds(10)) }
        }
        #expect(misses.isEmpty, Comment(rawValue: misses.map(\.description).joined(separator: "; ")))
    }

    struct Miss: CustomStringConvertible {
        let description: String
        /// True when the measured figure was above the truth (a busy machine can do that), false when below.
        let isAbove: Bool
    }

    /// One run against the stalling server; the percentiles that missed the schedule's truth, described.
    static func measureAgainstTheSchedule(rate: Double) async throws -> [Miss] {
        let server = try await TestHTTPServer()
        // 2 s stalls every 8 s, one whole period: whatever the phase, a quarter of the requests fall in a stall.
        let result = try await LoadEngine.run(try LoadEngineTests.plan(
            server.url, model: .open, level: rate, seconds: 8, paths: ["/stall/8000/2000"], connections: 16,
            timeout: .seconds(5)))
        try await server.stop()
        let schedule = try #require(result.schedule)
        #expect(schedule.dropped == 0)
        #expect(schedule.late > 0)
        #expect(result.overall.errors.isEmpty)
        // Every planned request is in the histogram.
        #expect(try result.overall.latencyHistogram().totalCount == schedule.planned)
        #expect(abs(Double(schedule.planned) - rate * 8) <= 2)
        // After each stall the requests that waited drain through the 16 connections, a round trip per 16 of
        // them: on a quiet machine a few ms, on one shared with the rest of the suite much more. That drain is
        // real waiting, so the truth is the schedule's figure plus at most the drain at the round-trip time the
        // engine measured. The drain is a burst, when a shared machine is busiest: its round trips are those of the
        // service time's p90 (three quarters of the requests are not stalled, so the p90 is still a round trip).
        let service = try #require(result.overall.service)
        let rounds = max(rate * 2 - 16, 0) / 16
        let drain = rounds * max(service.p90, 0.1) * 2
        var misses: [Miss] = []
        for percentile in [90.0, 99.0] {
            let expected = Self.truth(percentile: percentile, stall: 2) * 1000
            let measured = try #require(result.overall.latency.value(atPercentile: percentile))
            if measured < expected * 0.9 || measured > expected * 1.1 + drain {
                misses.append(Miss(
                    description: "p\(Int(percentile)) at \(Int(rate))/s: measured \(measured) ms, the schedule says \(expected) ms (drain allowance \(drain) ms)",
                    isAbove: measured > expected))
            }
        }
        return misses
    }

    @Test func aStallLongerThanTheTimeoutGivesTimeoutsAtTheTimeout() async throws {
        let server = try await TestHTTPServer()
        // A 2 s stall with a 1 s timeout: requests due in its first second cannot be answered in time.
        let result = try await LoadEngine.run(try LoadEngineTests.plan(
            server.url, model: .open, level: 100, seconds: 4, paths: ["/stall/4000/2000"], connections: 8,
            timeout: .seconds(1), threads: 1))
        try await server.stop()
        let schedule = try #require(result.schedule)
        let timeouts = result.overall.errors["timeout"] ?? 0
        #expect(schedule.dropped == 0)
        // About 100 were due in the stall's first second; a busy machine (slow reconnects after each timeout, a
        // backlog worked off slowly after the stall) can add some of the second's and of the one after it: never
        // more than the 300 due from the stall's start to a second after its end.
        #expect(timeouts > 70 && timeouts <= 300, "\(timeouts) timeouts; about 100 were due in the stall's first second")
        // The timeouts are in the percentiles at the time Tuner gave up on them: 1 s after their intended start
        // (the timeout counts from there in the open model), plus its 25 ms check.
        #expect(try result.overall.latencyHistogram().totalCount == result.overall.count)
        #expect(result.overall.latency.p99 >= 1000 && result.overall.latency.p99 < 1200)
    }

    @Test func requestsStillWaitingAtTheTimeoutAreTimeoutsWithTheirWait() async throws {
        let server = try await TestHTTPServer(misbehaviour: .silent)
        // One connection to a server that never answers: nearly every request waits for it until its timeout.
        let result = try await LoadEngine.run(try LoadEngineTests.plan(
            server.url, model: .open, level: 200, seconds: 2, connections: 1, timeout: .milliseconds(300),
            threads: 1))
        try await server.stop()
        let schedule = try #require(result.schedule)
        let expired = try #require(schedule.expired)
        #expect(expired > 200, "\(expired) of \(schedule.planned) expired while waiting")
        #expect(schedule.planned == schedule.sent + expired)
        #expect(result.overall.errors["timeout"] == result.overall.count)
        #expect(result.overall.count == schedule.planned)
        // Each is recorded with its wait: the 300 ms timeout plus at most the 25 ms check (and a busy machine).
        #expect(try result.overall.latencyHistogram().totalCount == result.overall.count)
        #expect(result.overall.latency.min >= 299 && result.overall.latency.p99 < 450)
        #expect(result.notes.contains { $0.contains("waited for a free connection for the whole request timeout") })
    }

    @Test func aCapTheUserSetDropsTheOldestWithTheirWait() async throws {
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try LoadEngineTests.plan(
            server.url, model: .open, level: 200, seconds: 4, paths: ["/stall/4000/1000"], connections: 4,
            maxInFlight: 20, threads: 1))
        try await server.stop()
        let schedule = try #require(result.schedule)
        #expect(schedule.dropped > 100)
        #expect(result.overall.errors["dropped"] == schedule.dropped)
        // Dropped requests stay in the percentiles, at the least latency they could have had.
        #expect(try result.overall.latencyHistogram().totalCount == result.overall.count)
        #expect(result.overall.count == schedule.planned)
    }
}
