import Foundation
import Testing
import TunerTestSupport
import TunerCore
@testable import TunerLoad

/// The breaking-point search: against model services whose capacity is known exactly (fast, every branch),
/// and against real local servers whose capacity is known by construction.
@Suite struct CapacitySearchTests {
    /// A result as a step at `offered` requests/s would measure it: `achieved` completed per second over
    /// 10 s, every latency `millis`, `errors` of them 503s.
    static func result(offered: Double, achieved: Double, millis: Double, errors: UInt64 = 0,
                       generatorBusy: Bool = false) -> LoadResult {
        var stats = NameStats(isOpen: true)
        let count = UInt64((achieved * 10).rounded())
        for _ in 0..<count { stats.latency.recordClamped(micros: UInt64(millis * 1000)) }
        stats.count = count
        stats.errors[ErrorSlot.status5xx.rawValue] = min(errors, count)
        let request = stats.requestStats(name: "home", durationSeconds: 10)
        var overall = request
        overall.name = "all"
        let configuration = RunConfiguration(
            target: "http://127.0.0.1:1", model: "open", stages: [], connections: 64, rate: offered, durationSeconds: 10,
            warmUpSeconds: 2, connectTimeoutSeconds: 5, requestTimeoutSeconds: 10, eventLoops: 2,
            requests: [.init(name: "home", method: "GET", path: "/", weight: 1)], thresholds: [:])
        let planned = UInt64((offered * 10).rounded())
        return LoadResult(
            tool: "tuner test", startedAt: Date(), finishedAt: Date(), configuration: configuration, overall: overall,
            requests: [request], series: [],
            schedule: ScheduleStats(planned: planned, sent: planned, late: 0, dropped: 0, targetRate: offered,
                                    achievedRate: achieved),
            generator: GeneratorStats(cpuPercentMean: generatorBusy ? 99 : 10, cpuPercentMax: generatorBusy ? 100 : 20,
                                      cores: 2, maxResidentBytes: nil, wasBottleneck: generatorBusy),
            thresholds: [])
    }

    /// A service that takes `capacity` requests/s at 20 ms and, offered more, completes only `capacity` of
    /// them at 800 ms (its queue grows).
    static func service(capacity: Double, generatorLimit: Double = .infinity) -> @Sendable (Double?, Duration, Duration) async throws -> LoadResult {
        { rate, _, _ in
            let offered = rate ?? capacity * 1.1  // the closed probe gets a little more than the capacity through
            let isOver = offered > capacity
            return result(offered: offered, achieved: min(offered, capacity), millis: isOver ? 800 : 20,
                          generatorBusy: offered > generatorLimit)
        }
    }

    static let slo = [try! Threshold(scope: "all", parsing: "p99 < 200ms")]

    static func fastOptions() -> CapacitySearch.Options {
        var options = CapacitySearch.Options()
        options.stepDuration = .seconds(1)
        options.confirmDuration = .seconds(1)
        return options
    }

    @Test(arguments: [37.0, 200.0, 1234.0, 25_000.0])
    func findsAKnownCapacityWithinThePrecision(capacity: Double) async throws {
        let outcome = await CapacitySearch(options: Self.fastOptions(), slo: Self.slo, measure: Self.service(capacity: capacity)).run()
        let found = try #require(outcome.capacity.maxSustainableRate)
        #expect(found <= capacity && found >= capacity / 1.05, "found \(found) for \(capacity)")
        #expect(!outcome.capacity.isLowerBound && !outcome.capacity.limitedByGenerator)
        let failing = try #require(outcome.capacity.firstFailingRate)
        #expect(failing > capacity && failing <= found * 1.05 + 1e-9)
        #expect(outcome.capacity.failureReason?.contains("SLO p99 < 200ms failed") == true)
        #expect(outcome.capacity.steps.first?.phase == .probe)
        #expect(outcome.capacity.steps.last?.phase == .confirm && outcome.capacity.steps.last?.passed == true)
        #expect(outcome.capacity.steps.count < 25)
        #expect(outcome.result != nil && outcome.error == nil && !outcome.wasInterrupted)
    }

    @Test func aStartAboveTheCapacityStepsDown() async throws {
        var options = Self.fastOptions()
        options.start = 5_000
        let outcome = await CapacitySearch(options: options, slo: Self.slo, measure: Self.service(capacity: 300)).run()
        let found = try #require(outcome.capacity.maxSustainableRate)
        #expect(found <= 300 && found >= 300 / 1.05)
        #expect(!outcome.capacity.steps.contains { $0.phase == .probe })
    }

    @Test func theMaximumMakesALowerBound() async throws {
        var options = Self.fastOptions()
        options.maximum = 150
        let outcome = await CapacitySearch(options: options, slo: Self.slo, measure: Self.service(capacity: 1_000)).run()
        #expect(outcome.capacity.maxSustainableRate == 150)
        #expect(outcome.capacity.isLowerBound)
        #expect(outcome.capacity.steps.allSatisfy { $0.offeredRate <= 150 || $0.phase == .probe })
    }

    @Test func aGeneratorOutOfCPUIsNeverTheServicesCapacity() async throws {
        let outcome = await CapacitySearch(
            options: Self.fastOptions(), slo: Self.slo, measure: Self.service(capacity: 1_000, generatorLimit: 400)).run()
        #expect(outcome.capacity.limitedByGenerator)
        #expect(outcome.capacity.isLowerBound)
        #expect(outcome.capacity.firstFailingRate == nil, "a generator limit is not the service failing")
        #expect((outcome.capacity.maxSustainableRate ?? 0) <= 400)
        #expect(outcome.capacity.steps.allSatisfy { $0.phase != .confirm })
    }

    @Test func nothingPassingIsNoCapacity() async throws {
        var options = Self.fastOptions()
        options.start = 10
        options.minimumRate = 1
        let outcome = await CapacitySearch(options: options, slo: Self.slo, measure: Self.service(capacity: 0.1)).run()
        #expect(outcome.capacity.maxSustainableRate == nil)
        #expect(outcome.capacity.firstFailingRate != nil)
    }

    /// A step whose SLO interval straddles the limit goes on at the same rate until it is decided: at 20 req/s a
    /// 10 s window holds 200 requests, too few to bound a p99 (368 are needed), two hold 400. Capped at one window it
    /// stays undecided and counts as not passing, and says so.
    @Test func anUndecidedStepGoesOnUntilItIsDecided() async throws {
        var options = Self.fastOptions()
        options.start = 20
        options.maximum = 20
        let outcome = await CapacitySearch(options: options, slo: Self.slo, measure: Self.service(capacity: 100)).run()
        let first = try #require(outcome.capacity.steps.first)
        #expect(first.passed && first.windows == 2 && first.requests == 400, "\(Self.describe(outcome))")
        #expect(outcome.capacity.maxSustainableRate == 20)

        options.maximumStepDuration = options.stepDuration
        let capped = await CapacitySearch(options: options, slo: Self.slo, measure: Self.service(capacity: 100)).run()
        let step = try #require(capped.capacity.steps.first)
        #expect(!step.passed && step.isUndecided == true && step.windows == nil, "\(Self.describe(capped))")
        #expect(step.reason?.hasPrefix("undecided (200 requests): SLO p99 < 200ms") == true, "\(step.reason ?? "")")
        #expect(capped.capacity.maxSustainableRate == nil)
    }

    /// At 10 req/s a 10 s window holds 100 requests, too few to bound a p99 (368 are needed): undecided, and so are the
    /// rates up to 36.8. A lower rate could never decide it, so the search climbs, to rates with enough requests, and
    /// finds the capacity; the undecided rates count as neither passed nor failed.
    @Test func anUndecidedStartClimbsToRatesWithEnoughRequests() async throws {
        var options = Self.fastOptions()
        options.start = 10
        options.maximumStepDuration = options.stepDuration
        let outcome = await CapacitySearch(options: options, slo: Self.slo, measure: Self.service(capacity: 100)).run()
        let found = try #require(outcome.capacity.maxSustainableRate, "\(Self.describe(outcome))")
        #expect(found <= 100 && found >= 100 / 1.05, "\(Self.describe(outcome))")
        let undecided = outcome.capacity.steps.filter { $0.isUndecided == true }
        #expect(!undecided.isEmpty && undecided.allSatisfy { $0.offeredRate < 36.8 }, "\(Self.describe(outcome))")
        #expect(outcome.capacity.interval?.passed == found)
    }

    /// A service that holds 100 req/s for a search step's second but only 60 for a confirmation's longer window: the
    /// confirmations step down from about 100 until one holds, and the interval the capacity lies in starts at a rate
    /// that was measured to pass — while they fail, and when the steps run out before one holds.
    @Test func theIntervalStartsAtARateThatPassedAfterAFailedConfirmation() async throws {
        var options = Self.fastOptions()
        options.confirmDuration = .seconds(2)
        let tiring: @Sendable (Double?, Duration, Duration) async throws -> LoadResult = { rate, duration, _ in
            let capacity = duration >= .seconds(2) ? 60.0 : 100.0
            let offered = rate ?? 110
            return Self.result(offered: offered, achieved: min(offered, capacity), millis: offered > capacity ? 800 : 20)
        }
        let outcome = await CapacitySearch(options: options, slo: Self.slo, measure: tiring).run()
        let found = try #require(outcome.capacity.maxSustainableRate, "\(Self.describe(outcome))")
        #expect(found <= 60 && found >= 60 * 0.95 * 0.95, "\(Self.describe(outcome))")
        #expect(outcome.capacity.interval?.passed == found)

        // Steps for about five confirmations only: none reaches 60, and the search ends without a capacity. The
        // interval's lower end is still a rate some judged step passed at, below every confirmation that failed.
        options.maximumSteps = 10
        let cut = await CapacitySearch(options: options, slo: Self.slo, measure: tiring).run()
        #expect(cut.capacity.maxSustainableRate == nil, "\(Self.describe(cut))")
        let confirmations = cut.capacity.steps.filter { $0.phase == .confirm }
        #expect(!confirmations.isEmpty && confirmations.allSatisfy { !$0.passed }, "\(Self.describe(cut))")
        if let passed = cut.capacity.interval?.passed {
            #expect(cut.capacity.steps.contains { $0.phase != .probe && $0.passed && $0.offeredRate == passed },
                    "interval starts at \(passed), a rate no step passed: \(Self.describe(cut))")
            #expect(confirmations.allSatisfy { $0.offeredRate > passed })
        }
    }

    @Test func errorsAndAFallingBehindRateFailAStep() {
        let options = CapacitySearch.Options()
        let errors = StepVerdict(result: Self.result(offered: 100, achieved: 100, millis: 5, errors: 50),
                                 offeredRate: 100, slo: [try! Threshold(scope: "all", parsing: "error_rate < 1%")], options: options)
        #expect(errors.reason?.hasPrefix("SLO error_rate < 1% failed") == true)
        let behind = StepVerdict(result: Self.result(offered: 100, achieved: 90, millis: 5), offeredRate: 100, slo: [],
                                 options: options)
        #expect(behind.reason == "achieved 90 req/s, 90% of the offered 100")
        let fine = StepVerdict(result: Self.result(offered: 100, achieved: 98, millis: 5), offeredRate: 100, slo: Self.slo,
                               options: options)
        #expect(fine.reason == nil)
    }

    /// A backlog does not excuse itself: 40 req/s offered after half a second of warm-up, 90% answered, a fifth of the
    /// requests served in 100 ms and the rest queued 2 s. The requests a window's end cuts off by construction are
    /// those of the service time (100 ms, inside the warm-up: one), not of the mean latency (1.6 s, which would excuse
    /// 45 and pass the step).
    @Test func aBacklogsLatencyDoesNotExcuseItsShortfall() {
        var result = Self.result(offered: 40, achieved: 36, millis: 100)
        var stats = NameStats(isOpen: true)
        for index in 0..<360 { stats.latency.recordClamped(micros: index % 5 == 0 ? 100_000 : 2_000_000) }
        stats.count = 360
        result.overall = stats.requestStats(name: "all", durationSeconds: 10)
        result.configuration.warmUpSeconds = 0.5
        let verdict = StepVerdict(result: result, offeredRate: 40, slo: [], options: CapacitySearch.Options())
        #expect(verdict.reason == "achieved 36 req/s, 90% of the offered 40", "\(verdict.reason ?? "passed")")
        // A service that is slow but keeps up (every request 2 s, 97.5% answered in the window) has 2 s of answers
        // cut off by construction, and passes.
        var slow = Self.result(offered: 40, achieved: 39, millis: 2000)
        slow.configuration.warmUpSeconds = 0.5
        #expect(StepVerdict(result: slow, offeredRate: 40, slo: [], options: CapacitySearch.Options()).reason == nil)
    }

    /// Random arrivals: a window whose draw came to 85% of the offered 20 req/s (170 of the 200 its rate asked for)
    /// and whose service kept up passes at 17 req/s, the rate it tested, and is not failed for falling behind the 20;
    /// one whose draw came to 130% and fell behind failed at 26 req/s. A flow's iterations (planned and expected
    /// count them, three requests each) are compared with its requests as requests.
    @Test func aRandomWindowIsCreditedWithTheRateItsArrivalsCameTo() {
        func window(offered: Double, planned: UInt64, expected: Double, achieved: Double) -> LoadResult {
            var result = Self.result(offered: offered, achieved: achieved, millis: 20)
            result.configuration.arrivals = ArrivalProcess.poisson.rawValue
            result.schedule?.planned = planned
            result.schedule?.expected = expected
            return result
        }
        let options = CapacitySearch.Options()
        let slo = [try! Threshold(scope: "all", parsing: "p95 < 200ms")]  // decided from 72 requests
        let short = StepVerdict(result: window(offered: 20, planned: 170, expected: 200, achieved: 17), offeredRate: 20,
                                slo: slo, options: options)
        #expect(short.reason == nil, "\(short.reason ?? "")")
        #expect(short.testedRate.map { abs($0 - 17) < 1e-9 } == true, "\(String(describing: short.testedRate))")
        let long = StepVerdict(result: window(offered: 20, planned: 230, expected: 200, achieved: 23), offeredRate: 20,
                               slo: slo, options: options)
        // A long draw tested its own rate too: the search credits a pass on it with the offered rate (it held more).
        #expect(long.reason == nil && long.testedRate.map { abs($0 - 23) < 1e-9 } == true)
        // A high draw the service did not keep up with fails, measured against what the arrivals came to, and at that
        // rate: it says nothing of the offered one.
        let behind = StepVerdict(result: window(offered: 20, planned: 260, expected: 200, achieved: 20), offeredRate: 20,
                                 slo: slo, options: options)
        #expect(behind.reason == "achieved 20 req/s, 77% of the 26 its random arrivals came to (offered 20)", "\(behind.reason ?? "passed")")
        #expect(behind.testedRate.map { abs($0 - 26) < 1e-9 } == true)
        let flow = StepVerdict(result: window(offered: 30, planned: 100, expected: 100, achieved: 29.5), offeredRate: 30,
                               slo: slo, options: options)
        #expect(flow.reason == nil && flow.testedRate == 30, "\(flow.reason ?? "")")
        let flowBehind = StepVerdict(result: window(offered: 30, planned: 100, expected: 100, achieved: 20), offeredRate: 30,
                                     slo: slo, options: options)
        #expect(flowBehind.reason?.hasPrefix("achieved 20 req/s, 67% of the offered 30") == true, "\(flowBehind.reason ?? "passed")")
    }

    @Test func cancellationEndsWithWhatWasFound() async throws {
        // Cancelled once the search is inside a step above the capacity (which never ends by itself), not
        // after a fixed time: a busy machine may not have started the search yet.
        let (overCapacity, reached) = AsyncStream.makeStream(of: Void.self)
        let task = Task {
            await CapacitySearch(options: Self.fastOptions(), slo: Self.slo) { rate, _, _ in
                if let rate, rate > 100 {
                    reached.yield()
                    try await Task.sleep(for: .seconds(60))
                }
                return Self.result(offered: rate ?? 110, achieved: min(rate ?? 110, 100), millis: 20)
            }.run()
        }
        for await _ in overCapacity { break }
        task.cancel()
        let outcome = await task.value
        #expect(outcome.wasInterrupted)
        #expect(outcome.capacity.maxSustainableRate != nil, "the last passing rate is reported")
    }

    // MARK: the latency curve and the scalability fit

    @Test func theUniversalScalabilityLawIsRecovered() throws {
        let (lambda, sigma, kappa) = (100.0, 0.05, 0.002)
        let steps = [1.0, 2, 4, 8, 12, 16, 24, 32].map { n -> CapacityStep in
            let x = ScalabilityFitter.throughput(n, lambda: lambda, sigma: sigma, kappa: kappa)
            return CapacityStep(phase: .search, offeredRate: x, achievedRate: x, p50: 0, p95: 0, p99: 0, mean: n / x * 1000,
                                requests: 1000, errors: 0, passed: true, reason: nil, measuredSeconds: 10,
                                generatorCPUPercent: 1)
        }
        let fit = try #require(ScalabilityFitter.fit(steps))
        #expect(abs(fit.lambda - lambda) / lambda < 0.01)
        #expect(abs(fit.sigma - sigma) < 0.005 && abs(fit.kappa - kappa) < 0.0002)
        #expect(fit.rSquared > 0.999 && fit.isGood)
        let peak = try #require(fit.peakConcurrency)
        #expect(abs(peak - ((1 - sigma) / kappa).squareRoot()) < 0.5)
    }

    @Test func theKneeIsWhereLatencyDoubles() {
        func step(_ rate: Double, p95: Double, passed: Bool = true) -> CapacityStep {
            CapacityStep(phase: .search, offeredRate: rate, achievedRate: rate, p50: p95 / 2, p95: p95, p99: p95, mean: p95 / 2,
                         requests: 100, errors: 0, passed: passed, reason: nil, measuredSeconds: 10, generatorCPUPercent: 1)
        }
        let steps = [step(100, p95: 10), step(150, p95: 12), step(225, p95: 19), step(337, p95: 45), step(280, p95: 25)]
        #expect(LatencyKnee.rate(steps) == 225)
    }

    // MARK: real servers whose capacity is known by construction

    /// 8 requests at once, 200 ms each: 40 requests/s. Above it the line grows without end, so the achieved
    /// rate falls behind and latency climbs; below it every request takes 200 ms. Long service times and a
    /// lenient SLO leave room for a machine shared with the rest of the suite, whose late timers lengthen
    /// every request (at 40 ms per request they cost a clean-clone CI run a quarter of the capacity).
    @Test func findsTheCapacityOfASlotLimitedServer() async throws {
        let server = try await TestHTTPServer(slots: 8)
        // At 30 req/s of 200 ms requests about 7 are in flight at each end of a 2 s window, so the responses
        // counted inside it vary by a few from the offered 60 with no falling behind at all (a clean-clone CI run
        // measured 95%): the achieved-rate criterion is eased to 95% (93% let a step 8% over through here). So a
        // window passes while its 80 answers and the one its end cuts off make 95% of those asked: up to
        // 81 / 0.95 / 2 s = 42.6 req/s, the most this criterion can find (+6.6%).
        let outcome = try await Self.search(server.url + "/work/200", slo: ["p95 < 2s"]) { options in
            options.minimumAchievedShare = 0.95
        }
        try await server.stop()
        let found = try #require(outcome.capacity.maxSustainableRate, "\(Self.describe(outcome))")
        #expect(found >= 34 && found <= 42.6, "found \(found) req/s; the truth is 40 (-15%..+6.6%): \(Self.describe(outcome))")
        #expect(outcome.capacity.firstFailingRate.map { $0 > found } == true)
        #expect(outcome.result?.capacity == nil, "the command, not the search, attaches the section")
    }

    /// Two workers, 100 ms each, first come first served; SLO p95 < 500 ms. Under random (Poisson) arrivals the truth
    /// is the rate at which an M/D/2 queue's p95 response time reaches 500 ms, which this test computes by simulation
    /// (about 16.7 req/s); the search must find it within −15%..+10%. Evenly spaced arrivals never queue below
    /// 2 / 0.1 s = 20 req/s, so there the search finds close to 20, and more than under random arrivals.
    @Test func findsTheCapacityRandomUsersCanArriveAtOfAQueueingServer() async throws {
        let truth = Self.simulatedCapacity(workers: 2, serviceSeconds: 0.1, p95LimitSeconds: 0.5)
        #expect(truth > 16 && truth < 17.5, "simulated M/D/2 capacity \(truth)")
        let server = try await TestHTTPServer(slots: 2)
        let adjust: (inout CapacitySearch.Options) -> Void = { options in
            options.stepDuration = .seconds(3)
            options.stepWarmUp = .seconds(1)
            options.confirmDuration = .seconds(6)
            options.maximumStepDuration = .seconds(9)
            options.precision = 0.08
            options.start = 12
        }
        let random = try await Self.search(server.url + "/work/100", slo: ["p95 < 500ms"], arrivals: .poisson, adjust: adjust)
        let even = try await Self.search(server.url + "/work/100", slo: ["p95 < 500ms"], arrivals: .uniform, adjust: adjust)
        try await server.stop()
        let found = try #require(random.capacity.maxSustainableRate, "\(Self.describe(random))")
        #expect(found >= truth * 0.85 && found <= truth * 1.10,
                "found \(found) req/s under random arrivals; the truth is \(truth): \(Self.describe(random))")
        #expect(random.capacity.arrivals == "poisson" && even.capacity.arrivals == "uniform")
        let evenly = try #require(even.capacity.maxSustainableRate, "\(Self.describe(even))")
        #expect(evenly >= 17 && evenly <= 21, "found \(evenly) req/s under even arrivals; the truth is 20: \(Self.describe(even))")
        #expect(evenly > found, "even \(evenly) vs random \(found)")
        // The interval the capacity lies in runs from the rate confirmed to the lowest that failed.
        let interval = try #require(random.capacity.interval)
        #expect(interval.passed == found && (interval.failed ?? 0) > found)
    }

    /// The rate at which the p95 response time of an M/D/c queue (Poisson arrivals, fixed service time, first come first
    /// served) reaches `p95LimitSeconds`: bisection over the rate, each rate simulated over the same 200,000 seeded
    /// arrivals (their p95 is then within about 1% of the queue's).
    static func simulatedCapacity(workers: Int, serviceSeconds: Double, p95LimitSeconds: Double) -> Double {
        var uniforms = (0..<200_000).map { _ in 0.0 }
        var state: UInt64 = 42
        for index in uniforms.indices {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            uniforms[index] = (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
        }
        func p95(at rate: Double) -> Double {
            var free = [Double](repeating: 0, count: workers)
            var now = 0.0
            var responses: [Double] = []
            responses.reserveCapacity(uniforms.count)
            for u in uniforms {
                now += -log(u) / rate
                let worker = free.indices.min { free[$0] < free[$1] }!
                let end = max(now, free[worker]) + serviceSeconds
                free[worker] = end
                responses.append(end - now)
            }
            responses.sort()
            return responses[Int(Double(responses.count) * 0.95)]
        }
        var low = 0.5 / serviceSeconds
        var high = Double(workers) / serviceSeconds
        for _ in 0..<20 {
            let middle = (low + high) / 2
            if p95(at: middle) < p95LimitSeconds { low = middle } else { high = middle }
        }
        return low
    }

    /// Answers 503 once more than 450 requests arrived in the last 3 seconds (150 per second): the error SLO finds 150.
    @Test func findsTheRateAboveWhichAServerFails() async throws {
        let server = try await TestHTTPServer()
        // What this server shows is errors above 150 req/s: the achieved-rate and late-send criteria are eased so
        // that a machine shared with the rest of the suite (the generator falling a few percent behind) does not
        // end the search below the rate the error SLO is about.
        // Each step's warm-up outlasts the server's 3 s window, so a step is not charged with the one before.
        let outcome = try await Self.search(server.url + "/limit/150", slo: ["error_rate < 1%"]) { options in
            options.minimumAchievedShare = 0.85
            options.maximumLateShare = 0.5
            options.stepWarmUp = .milliseconds(3_200)
        }
        try await server.stop()
        let found = try #require(outcome.capacity.maxSustainableRate, "\(Self.describe(outcome))")
        #expect(found >= 127.5 && found <= 157.5, "found \(found) req/s; the truth is 150 (-15%..+5%): \(Self.describe(outcome))")
        #expect(outcome.capacity.failureReason?.contains("error_rate") == true, "\(outcome.capacity.failureReason ?? "")")
    }

    /// Every step in one line, for a failure message.
    static func describe(_ outcome: CapacitySearch.Outcome) -> String {
        outcome.capacity.steps.map { step in
            "\(step.phase.rawValue) \(Int(step.offeredRate))\(step.drawnRate.map { " (drawn \(Int($0)))" } ?? "") → \(Int(step.achievedRate))"
                + " p99 \(Int(step.p99))ms \(step.reason ?? "pass")"
        }.joined(separator: "; ")
    }

    static func search(_ url: String, slo: [String], arrivals: ArrivalProcess = .uniform,
                       adjust: (inout CapacitySearch.Options) -> Void = { _ in }) async throws -> CapacitySearch.Outcome
    {
        let base = try ScenarioOverrides().scenario(url: url)
        let thresholds = try slo.map { try Threshold(scope: "all", parsing: $0) }
        var options = CapacitySearch.Options()
        options.stepDuration = .seconds(2)
        options.stepWarmUp = .milliseconds(500)
        options.confirmDuration = .seconds(4)
        options.probeDuration = .seconds(2)
        adjust(&options)
        return await CapacitySearch(options: options, slo: thresholds) { rate, duration, warmUp in
            let scenario = rate.map { base.atRate($0, duration: duration, warmUp: warmUp, slo: thresholds, arrivals: arrivals) }
                ?? base.closedProbe(duration: duration, warmUp: warmUp)
            return try await LoadEngine.run(try LoadPlan(scenario))
        }.run()
    }
}

/// A capacity step's rate is requests/s: a flow's iterations send one request per step.
@Suite struct CapacityStepRateTests {
    @Test func aFlowsShareIsItsRequestsNotItsIterations() throws {
        let scenario = try Scenario(yaml: """
            target: http://127.0.0.1:1
            scenarios:
              - name: mix
                model: open
                stages: [{ duration: 10s, rate: 100 }]
                requests: [{ name: a, path: /a }]
              - name: buyers
                model: open
                stages: [{ duration: 10s, rate: 10 }]
                flow:
                  - { name: one, path: /1 }
                  - { name: two, path: /2 }
                  - { name: three, path: /3 }
            """, fileName: "mixed.yaml")
        // 100 req/s of the mix and 10 iterations/s × 3 steps: 130 req/s in all, in the same proportions at 260.
        let step = scenario.atRate(260, duration: .seconds(2), warmUp: .zero, slo: [])
        #expect(step.workloads.map(\.peak) == [200, 20])
    }
}
