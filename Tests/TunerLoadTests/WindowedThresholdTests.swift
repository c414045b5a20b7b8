import Foundation
import Testing
import TunerCore
import TunerTestSupport
@testable import TunerLoad

/// A windowed threshold against a server that is fine for the run's first 6 s and then slow (requests time out):
/// only the windows of the second half fail, and with abort_on_fail the run stops there.
@Suite(.serialized) struct WindowedThresholdTests {
    static func plan(_ server: TestHTTPServer, abort: Bool) throws -> LoadPlan {
        // The server answers at once for the run's first 6 s (from its first request), then 2 s late, past the
        // 700 ms timeout.
        var plan = try LoadEngineTests.plan(
            server.url, model: .open, level: 40, seconds: 10, paths: ["/slowafter/6000/2000"], connections: 8,
            timeout: .milliseconds(700), thresholds: [], threads: 1)
        var scenario = plan.scenario
        var threshold = try Threshold(scope: "all", parsing: "p95[2s] < 600ms")
        if abort { threshold.abort = Threshold.AbortRule(delaySeconds: 1) }
        scenario.thresholds = [threshold]
        plan = try LoadPlan(scenario)
        return plan
    }

    /// Half the requests go to an endpoint that stays fast, half to one that turns slow after 6 s; each has its own
    /// windowed threshold.
    static func scopedPlan(_ server: TestHTTPServer, abort: Bool) throws -> LoadPlan {
        let degrading = "/slowafter/6000/2000"
        var plan = try LoadEngineTests.plan(
            server.url, model: .open, level: 40, seconds: 10, paths: ["/", degrading], connections: 8,
            timeout: .milliseconds(700), thresholds: [], threads: 1)
        var scenario = plan.scenario
        var slow = try Threshold(scope: degrading, parsing: "p95[2s] < 600ms")
        if abort { slow.abort = Threshold.AbortRule(delaySeconds: 1) }
        scenario.thresholds = [try Threshold(scope: "/", parsing: "p95[2s] < 600ms"), slow,
                               try Threshold(scope: degrading, parsing: "error_rate[2s] < 10%")]
        plan = try LoadPlan(scenario)
        return plan
    }

    @Test func aRequestsOwnWindowsAreJudgedOnItsOwnRequests() async throws {
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try Self.scopedPlan(server, abort: false))
        try await server.stop()
        #expect(result.thresholds.count == 3)
        let (fast, slow, errors) = (result.thresholds[0], result.thresholds[1], result.thresholds[2])
        // The fast endpoint's windows hold although the run's requests as a whole are slow in its second half.
        #expect(fast.passed, "\(fast.note ?? "") worst \(fast.measured)")
        #expect(fast.measured < 600)
        #expect(!slow.passed)
        let windows = try #require(slow.failedWindows)
        #expect(windows.allSatisfy { $0.start >= 3 }, "no window of the first half fails: \(windows)")
        #expect(slow.measured >= 600)
        // Its timeouts are its own errors: half the requests of a window, not a quarter.
        #expect(!errors.passed && errors.measured > 0.4, "worst error rate \(errors.measured)")
        // The series holds each name's part of each second: its counts always, its latencies because a windowed
        // threshold names it.
        // A second of at least 21 requests, each name drawn at random: one name missing has probability
        // 2·2^-21 ≈ 9.5e-7.
        let point = try #require(result.series.first { !$0.isWarmUp && $0.requests >= 21 })
        let parts = try #require(point.names)
        #expect(Set(parts.map(\.name)) == ["/", "/slowafter/6000/2000"])
        #expect(parts.reduce(0) { $0 + $1.requests } == point.requests)
        #expect(parts.allSatisfy { $0.histogram != nil })
    }

    @Test func aRequestsFailingWindowAbortsTheRunWhenAsked() async throws {
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try Self.scopedPlan(server, abort: true))
        try await server.stop()
        #expect(result.configuration.durationSeconds < 10, "stopped early: \(result.configuration.durationSeconds)")
        let note = try #require(result.notes.first)
        #expect(note.contains("'/slowafter/6000/2000: p95[2s] < 600ms' failed in the window"), "\(result.notes)")
        #expect(result.thresholds[0].passed && !result.thresholds[1].passed)
    }

    @Test func onlyTheSecondHalfsWindowsFail() async throws {
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try Self.plan(server, abort: false))
        try await server.stop()
        let outcome = try #require(result.thresholds.first)
        #expect(!outcome.passed)
        let windows = try #require(outcome.failedWindows)
        #expect(windows.allSatisfy { $0.start >= 3 }, "no window of the first half fails: \(windows)")
        #expect(result.configuration.durationSeconds == 10, "without abort_on_fail the run goes on")
        #expect(outcome.measured >= 600)
        #expect(!result.notes.contains { $0.contains("stopped after") })
    }

    @Test func abortOnFailStopsTheRunAndKeepsWhatWasMeasured() async throws {
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try Self.plan(server, abort: true))
        try await server.stop()
        // The run's own clock, not the test's: a busy machine stretches the set-up around it.
        #expect(result.configuration.durationSeconds < 10, "stopped early: \(result.configuration.durationSeconds)")
        let note = try #require(result.notes.first)
        #expect(note.hasPrefix("stopped after"), "\(result.notes)")
        #expect(note.contains("'p95[2s] < 600ms' failed in the window"))
        #expect(result.thresholds.first?.passed == false)
        #expect(result.overall.count > 100, "what was measured before is kept")
    }
}
