import Foundation
import Testing
import TunerTestSupport
import TunerCore
@testable import TunerLoad

/// The engine end to end against a real HTTP server on 127.0.0.1.
///
/// On the transport `automatic` picks (the engine's own epoll loops for http:// on Linux), or the one named by
/// `TUNER_TEST_TRANSPORT` (`make test` runs this suite and the stall suite a second time with `nio`, so that every
/// engine test passes on both).
@Suite(.serialized) struct LoadEngineTests {
    static let transport = ProcessInfo.processInfo.environment["TUNER_TEST_TRANSPORT"]
        .flatMap(EngineTransport.init(rawValue:)) ?? .automatic

    static func plan(
        _ url: String, model: LoadModel = .closed, level: Double, seconds: Double = 1, paths: [String] = ["/"],
        connections: Int = 4, warmUp: Duration = .zero, timeout: Duration = .seconds(5), maxInFlight: Int? = nil,
        thresholds: [String] = [], threads: Int = 2, workloadPerPath: Bool = false
    ) throws -> LoadPlan {
        let requests = paths.map { RequestTemplate(name: $0, path: $0) }
        let groups = workloadPerPath ? requests.map { [$0] } : [requests]
        let workloads = groups.enumerated().map { index, requests in
            Workload(
                name: "test\(index)", model: model, start: level, stages: [Stage(duration: .seconds(seconds), target: level)],
                connections: connections, maxInFlight: maxInFlight, requests: requests)
        }
        var scenario = Scenario(
            target: url, workloads: workloads, thresholds: try thresholds.map { try Threshold(scope: "all", parsing: $0) },
            warmUp: warmUp, requestTimeout: timeout, threads: threads)
        scenario.transport = transport
        return try LoadPlan(scenario)
    }

    @Test func closedModelCountsEveryResponse() async throws {
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try Self.plan(server.url, level: 4))
        try await server.stop()
        // Loose: the whole test suite shares two cores with this run.
        #expect(result.overall.count > 20)
        #expect(result.overall.statusCodes == ["200": result.overall.count])
        #expect(result.overall.errors.isEmpty)
        #expect(result.overall.bytesReceived > result.overall.count * 6)
        #expect(result.overall.latency.p50 > 0)
        let decoded = try result.overall.latencyHistogram()
        #expect(decoded.totalCount == result.overall.count)
        #expect(!result.series.isEmpty)
        #expect(result.series.reduce(0) { $0 + $1.requests } >= result.overall.count)
        #expect(result.configuration.model == "closed")
        #if os(Linux)
        #expect(result.configuration.transport == (Self.transport == .nio ? "nio" : "epoll"))
        #endif
        #expect(result.schedule == nil)
        #expect(result.thresholds.isEmpty && result.thresholdsPassed)
    }

    @Test func statusErrorsAreCountedPerName() async throws {
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try Self.plan(server.url, level: 3, paths: ["/", "/status/404", "/status/503"]))
        try await server.stop()
        let byName = Dictionary(uniqueKeysWithValues: result.requests.map { ($0.name, $0) })
        // Each request is drawn at random, so a name may have had none on a starved machine: every comparison also
        // holds at zero (no chance failure).
        let (notFound, unavailable) = (try #require(byName["/status/404"]), try #require(byName["/status/503"]))
        #expect(byName["/"]?.errors.isEmpty == true)
        #expect(notFound.errors.keys.allSatisfy { $0 == "status_4xx" } && (notFound.errors["status_4xx"] ?? 0) == notFound.count)
        #expect(unavailable.errors.keys.allSatisfy { $0 == "status_5xx" } && (unavailable.errors["status_5xx"] ?? 0) == unavailable.count)
        #expect(result.overall.count == result.requests.reduce(0) { $0 + $1.count })
        #expect((result.overall.statusCodes["404"] ?? 0) == notFound.count)
    }

    @Test func openModelFollowsTheSchedule() async throws {
        let server = try await TestHTTPServer()
        // A modest rate with room to spare (8 connections, 32 in flight), so that a busy machine still keeps up.
        let result = try await LoadEngine.run(try Self.plan(server.url, model: .open, level: 50, seconds: 2, connections: 8))
        try await server.stop()
        let schedule = try #require(result.schedule)
        #expect(abs(Int(schedule.planned) - 100) <= 1)
        #expect(schedule.sent == schedule.planned)
        #expect(schedule.dropped == 0)
        #expect(result.overall.count == schedule.sent)
        #expect(abs(schedule.targetRate - 50) < 1)
        #expect(result.overall.service != nil && result.overall.sendLag != nil)
    }

    @Test func openModelCountsLateAndDroppedAndMeasuresFromTheIntendedStart() async throws {
        // Two connections to a server that takes 100 ms: at most 20 req/s go out, 100 req/s are due.
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try Self.plan(
            server.url, model: .open, level: 100, seconds: 2, paths: ["/delay/100"], connections: 2, maxInFlight: 6))
        try await server.stop()
        let schedule = try #require(result.schedule)
        let service = try #require(result.overall.service)
        #expect(schedule.late > 0)
        #expect(schedule.dropped > 100)
        #expect(schedule.sent + schedule.dropped <= schedule.planned)
        #expect(service.p50 >= 100 && service.p50 < 300)
        // Waiting for a connection shows in the latency of what was sent (dropped requests are in the
        // percentiles too, at the time they had waited).
        #expect(try #require(result.overall.sendLag).p50 > 5)
        #expect(result.overall.latency.max > service.max)
        #expect(result.overall.errors["dropped"] == schedule.dropped)
        #expect(result.notes.contains { $0.contains("dropped") })
    }

    @Test func warmUpIsExcludedFromTheStatistics() async throws {
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try Self.plan(server.url, model: .open, level: 50, seconds: 1, warmUp: .seconds(1)))
        try await server.stop()
        #expect(result.series.first?.isWarmUp == true)
        #expect(result.series.contains { !$0.isWarmUp })
        let total = result.series.reduce(0) { $0 + $1.requests }
        #expect(abs(Int(total) - 100) <= 2)
        #expect(abs(Int(result.overall.count) - 50) <= 2)
        #expect(result.configuration.warmUpSeconds == 1 && result.configuration.durationSeconds == 1)
    }

    @Test func silentServerGivesTimeouts() async throws {
        let server = try await TestHTTPServer(misbehaviour: .silent)
        let result = try await LoadEngine.run(try Self.plan(server.url, level: 1, seconds: 1.2, timeout: .milliseconds(250), threads: 1))
        try await server.stop()
        #expect((result.overall.errors["timeout"] ?? 0) >= 3)
        #expect(result.overall.statusCodes.isEmpty)
    }

    @Test func refusedTargetIsAnErrorWithThePartialResult() async throws {
        // Port 1 (tcpmux) has no listener here; a port freed by a stopped server could be taken by another
        // suite's server meanwhile.
        let url = "http://127.0.0.1:1"
        do {
            _ = try await LoadEngine.run(try Self.plan(url, level: 2, seconds: 5))
            Issue.record("a refused target did not fail the run")
        } catch let error as LoadError {
            #expect(error.description.contains("connection refused"))
            let partial = try #require(error.partialResult)
            #expect((partial.overall.errors["refused"] ?? 0) > 0)
        }
    }

    @Test func closingServerGivesResets() async throws {
        let server = try await TestHTTPServer(misbehaviour: .closeImmediately)
        let result = try await LoadEngine.run(try Self.plan(server.url, level: 2, seconds: 0.5))
        try await server.stop()
        #expect((result.overall.errors["reset"] ?? 0) > 0)
        #expect(result.overall.statusCodes.isEmpty)
    }

    @Test func garbageIsAProtocolError() async throws {
        let server = try await TestHTTPServer(misbehaviour: .garbage)
        let result = try await LoadEngine.run(try Self.plan(server.url, level: 2, seconds: 0.5))
        try await server.stop()
        #expect((result.overall.errors["protocol"] ?? 0) > 0)
        #expect(result.notes.contains { $0.contains("not valid HTTP/1.1") && $0.contains("invalid status line") })
    }

    @Test func hugeBodiesAreCountedNotKept() async throws {
        let server = try await TestHTTPServer()
        let size = 64 << 20
        let result = try await LoadEngine.run(try Self.plan(server.url, level: 1, seconds: 1, paths: ["/big/\(size)"], threads: 1))
        try await server.stop()
        #expect(result.overall.count >= 1)
        #expect(result.overall.errors.isEmpty)
        #expect(result.overall.bytesReceived >= result.overall.count * UInt64(size))
    }

    @Test func connectionCloseAndChunkedResponsesSucceed() async throws {
        let server = try await TestHTTPServer()
        // A workload per path: each gets its own connections, none left to a random draw.
        let result = try await LoadEngine.run(try Self.plan(server.url, level: 2, paths: ["/close", "/chunked"], workloadPerPath: true))
        try await server.stop()
        #expect(result.overall.errors.isEmpty)
        #expect(result.requests.allSatisfy { $0.count > 10 }, "\(result.requests.map { ($0.name, $0.count) })")
    }

    @Test func randomPathsAndBodiesReachTheServer() async throws {
        let server = try await TestHTTPServer()
        // A workload each for the GETs and the POSTs: how many of each a busy machine sends is not left to a draw.
        // The POSTs' numbers are 4 or 5 digits long, each with probability 1/2, so that bodies of both lengths
        // are sent (each with its own Content-Length) whenever there are enough of them to tell.
        let stage = [Stage(duration: .seconds(1), target: 1)]
        let workloads = [
            Workload(name: "get", model: .closed, start: 1, stages: stage,
                     requests: [RequestTemplate(name: "item", path: "/item/${random:1..1000}")]),
            Workload(name: "post", model: .closed, start: 1, stages: stage,
                     requests: [RequestTemplate(name: "post", method: "POST", path: "/orders", body: #"{"n":${random:9990..10009}}"#)]),
        ]
        let result = try await LoadEngine.run(try LoadPlan(Scenario(target: server.url, workloads: workloads, threads: 1)))
        let paths = server.paths.filter { $0.hasPrefix("/item/") }
        let posts = server.requestBodies.filter { $0.length > 0 }
        try await server.stop()
        #expect(result.overall.errors.isEmpty)
        // Fresh numbers per request (however many requests a busy machine managed in the second): with k draws from
        // 1..1000, fewer than min(50, k/2) distinct values has a probability below 1e-30.
        #expect(paths.count >= 10)
        #expect(Set(paths).count >= min(50, paths.count / 2), "\(Set(paths).count) distinct of \(paths.count)")
        #expect(paths.allSatisfy { Int($0.dropFirst(6)).map { (1...1000).contains($0) } == true })
        // Every POST body is {"n":N} with N in the range, and its Content-Length is its own length.
        #expect(!posts.isEmpty)
        for post in posts {
            let number = post.body.hasPrefix(#"{"n":"#) && post.body.hasSuffix("}")
                ? Int(post.body.dropFirst(5).dropLast()) : nil
            #expect(number.map { (9990...10009).contains($0) } == true, "\(post.body)")
            #expect(post.contentLength == post.length && post.length == post.body.utf8.count, "\(post)")
        }
        // Both lengths: from 21 POSTs on, all of one length has probability 2·2^-21 ≈ 9.5e-7.
        if posts.count >= 21 {
            #expect(Set(posts.map(\.length)) == [10, 11], "\(posts.map(\.body))")
        }
    }

    @Test func cancellationReturnsThePartialResult() async throws {
        let server = try await TestHTTPServer()
        let plan = try Self.plan(server.url, level: 2, seconds: 30)
        let started = ContinuousClock.now
        let result = try await withThrowingTaskGroup(of: LoadResult?.self) { group in
            group.addTask { try await LoadEngine.run(plan) }
            group.addTask {
                try await Task.sleep(for: .milliseconds(1500))
                return nil
            }
            _ = try await group.next()
            group.cancelAll()
            var result: LoadResult?
            while let next = try await group.next() { result = result ?? next }
            return result
        }
        try await server.stop()
        let partial = try #require(result)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(partial.overall.count > 0)
        #expect(partial.notes.contains { $0.hasPrefix("interrupted after") })
        #expect(partial.configuration.durationSeconds < 5)
    }

    @Test func progressArrivesEverySecond() async throws {
        let server = try await TestHTTPServer()
        let seen = LockedBox<[LoadProgress]>([])
        _ = try await LoadEngine.run(try Self.plan(server.url, level: 2, seconds: 3)) { progress in
            seen.withLockedValue { $0.append(progress) }
        }
        try await server.stop()
        let progress = seen.withLockedValue { $0 }
        // Once per second that completed requests, in order, up to the last (a busy machine may leave a
        // second without a completed request, and so without a line).
        let seconds = progress.map(\.elapsedSeconds)
        #expect(seconds.last == 3 && seconds.count >= 2, "\(seconds)")
        #expect(zip(seconds, seconds.dropFirst()).allSatisfy { $0 < $1 } && seconds.allSatisfy { $0 == $0.rounded() })
        #expect(progress.allSatisfy { $0.point.requests > 0 && $0.point.histogram != nil })
    }

    @Test func thresholdsAreEvaluated() async throws {
        let server = try await TestHTTPServer()
        let result = try await LoadEngine.run(try Self.plan(
            server.url, level: 2, paths: ["/status/500"], thresholds: ["error_rate < 1%", "p99 < 10s"]))
        try await server.stop()
        #expect(result.thresholds.map(\.passed) == [false, true])
        #expect(!result.thresholdsPassed)
    }
}
