import Foundation
import Testing
import TunerCore
import TunerTestSupport
@testable import TunerLoad

/// The open model's arrival processes. Uniform: the schedule's events exactly, split over the loops. Poisson: by the
/// time-rescaling theorem, the gaps between consecutive events measured on the rate's integral are independent draws
/// of the exponential distribution of mean 1 whatever the stages; checked with the Kolmogorov–Smirnov distance, whose
/// bound (Dvoretzky–Kiefer–Wolfowitz, with Massart's constant) P(D > ε) ≤ 2·exp(−2nε²) makes each check fail by
/// chance at most once in ten million, as do the counts' ±5.3σ (about 1.2e-7): no test makes more than six such
/// checks, so none fails by chance more than once in a million. The seeds are fresh each run and printed with any
/// failure.
@Suite struct ArrivalScheduleTests {
    /// ε for which a sample of `n` from the right distribution has D > ε with probability at most 1e-7.
    static func ksBound(_ n: Int) -> Double { (log(2 / 1e-7) / (2 * Double(n))).squareRoot() }

    /// The Kolmogorov–Smirnov distance between the sample and the exponential distribution of mean 1.
    static func ksDistance(ofExponential sample: [Double]) -> Double {
        let sorted = sample.sorted()
        let n = Double(sorted.count)
        var distance = 0.0
        for (i, x) in sorted.enumerated() {
            let cdf = 1 - exp(-x)
            distance = max(distance, abs(cdf - Double(i) / n), abs(Double(i + 1) / n - cdf))
        }
        return distance
    }

    /// Every due time and position of one loop's part.
    static func events(_ timeline: LevelTimeline, _ arrivals: ArrivalProcess, share: (Int, Int), seed: UInt64)
        -> [(time: Double, position: Double)]
    {
        var schedule = ArrivalSchedule(timeline: timeline, arrivals: arrivals, share: share, seed: seed, workload: 0)
        var out: [(time: Double, position: Double)] = []
        while let due = schedule.due {
            out.append((due, schedule.position))
            schedule.advance()
        }
        return out
    }

    /// Gaps between consecutive events on the rate's integral, from the due times alone (Λ(t) of each).
    static func rescaledGaps(_ times: [Double], _ timeline: LevelTimeline) -> [Double] {
        let cumulative = times.sorted().map { timeline.cumulative(at: $0) }
        return zip(cumulative, [0] + cumulative).map { $0 - $1 }
    }

    @Test func uniformIsTheScheduleExactlySplitOverTheLoops() {
        let timeline = LevelTimeline(start: 50, stages: [Stage(duration: .seconds(3), target: 50)], warmUp: .zero)
        let loops = (0..<3).flatMap { loop in Self.events(timeline, .uniform, share: (loop, 3), seed: 1).map(\.time) }.sorted()
        #expect(loops.count == 150)
        for (i, time) in loops.enumerated() { #expect(abs(time - Double(i + 1) / 50) < 1e-9) }
    }

    @Test func poissonGapsAreExponentialAtAConstantRate() {
        let seed = UInt64.random(in: 0...UInt64.max)
        let timeline = LevelTimeline(start: 100, stages: [Stage(duration: .seconds(100), target: 100)], warmUp: .zero)
        let times = Self.events(timeline, .poisson, share: (0, 1), seed: seed).map(\.time)
        // About 10,000 events: outside ±5.3σ of a Poisson count of mean 10,000 with probability about 1e-7.
        #expect(abs(Double(times.count) - 10_000) <= 5.3 * 100, "seed \(seed): \(times.count) events")
        let gaps = zip(times, [0] + times).map { ($0 - $1) * 100 }
        let distance = Self.ksDistance(ofExponential: gaps)
        #expect(distance <= Self.ksBound(gaps.count), "seed \(seed): D = \(distance)")
        // The same check rejects evenly spaced requests (every gap 1, D ≈ 0.63): it can tell the two apart.
        let even = Self.events(timeline, .uniform, share: (0, 1), seed: seed).map(\.time)
        #expect(Self.ksDistance(ofExponential: zip(even, [0] + even).map { ($0 - $1) * 100 }) > 0.5)
    }

    @Test func poissonFollowsARampThroughTheRatesIntegral() {
        let seed = UInt64.random(in: 0...UInt64.max)
        // A warm-up at 20 req/s, then 20 → 200 req/s over 60 s: about 6,800 events, denser as the rate climbs.
        let timeline = LevelTimeline(start: 20, stages: [Stage(duration: .seconds(60), target: 200)], warmUp: .seconds(5))
        let times = Self.events(timeline, .poisson, share: (0, 1), seed: seed).map(\.time)
        let expected = timeline.cumulative(at: timeline.totalSeconds)
        #expect(abs(Double(times.count) - expected) <= 5.3 * expected.squareRoot(), "seed \(seed): \(times.count) of \(expected)")
        let gaps = Self.rescaledGaps(times, timeline)
        let distance = Self.ksDistance(ofExponential: gaps)
        #expect(distance <= Self.ksBound(gaps.count), "seed \(seed): D = \(distance)")
        // The rate shows in the time: the last 10 s (182–200 req/s) hold several times the first 10 s' (20 req/s).
        let first = times.filter { $0 < 10 }.count, last = times.filter { $0 >= timeline.totalSeconds - 10 }.count
        #expect(Double(last) > 4 * Double(first), "seed \(seed): \(first) then \(last)")
    }

    /// Loops (and shards) each draw their own process at their share of the rate; together they are one Poisson
    /// process at the whole rate: the union's gaps are exponential at the whole rate, and its count is the whole's.
    @Test func theLoopsTogetherAreOnePoissonProcessAtTheWholeRate() {
        let seed = UInt64.random(in: 0...UInt64.max)
        let timeline = LevelTimeline(start: 80, stages: [Stage(duration: .seconds(100), target: 80)], warmUp: .zero)
        let parts = (0..<4).map { loop in Self.events(timeline, .poisson, share: (loop, 4), seed: seed).map(\.time) }
        // Streams of their own: no two loops share a draw.
        #expect(Set(parts.flatMap { $0 }).count == parts.reduce(0) { $0 + $1.count }, "seed \(seed)")
        let union = parts.flatMap { $0 }.sorted()
        #expect(abs(Double(union.count) - 8_000) <= 5.3 * 8_000.squareRoot(), "seed \(seed): \(union.count)")
        let gaps = Self.rescaledGaps(union, timeline)
        let distance = Self.ksDistance(ofExponential: gaps)
        #expect(distance <= Self.ksBound(gaps.count), "seed \(seed): D = \(distance)")
        // Each loop alone is a Poisson process at a quarter of the rate.
        for part in parts {
            let own = zip(part, [0] + part).map { ($0 - $1) * 20 }
            #expect(Self.ksDistance(ofExponential: own) <= Self.ksBound(own.count), "seed \(seed)")
        }
    }

    /// The engine sends what the schedule draws: with a seed, every loop's Poisson events are known before the run,
    /// and the run's planned requests are exactly their number; the result records the process and the seed.
    @Test func theEngineSendsTheDrawnScheduleAndRecordsItsSeed() async throws {
        let server = try await TestHTTPServer()
        let seed = UInt64.random(in: 0...UInt64.max)
        var workload = Workload(name: "users", model: .open, start: 150, stages: [Stage(duration: .seconds(2), target: 150)],
                                connections: 16, requests: [RequestTemplate(name: "home", path: "/")])
        workload.arrivals = .poisson
        var scenario = Scenario(target: server.url, workloads: [workload], threads: 2)
        scenario.seed = seed
        let plan = try LoadPlan(scenario)
        let result = try await LoadEngine.run(plan)
        try await server.stop()
        let timeline = LevelTimeline(start: 150, stages: workload.stages, warmUp: .zero)
        let drawn = (0..<2).reduce(0) { $0 + Self.events(timeline, .poisson, share: plan.share(loop: $1, of: 2), seed: seed).count }
        #expect(result.schedule?.planned == UInt64(drawn), "seed \(seed)")
        #expect(result.overall.errors.isEmpty)
        #expect(result.configuration.arrivals == "poisson" && result.configuration.seed == seed)
    }

    /// The same seed gives the same arrivals (a run can be repeated); another seed, others.
    @Test func aSeedRepeatsTheArrivals() {
        let timeline = LevelTimeline(start: 50, stages: [Stage(duration: .seconds(10), target: 50)], warmUp: .zero)
        let once = Self.events(timeline, .poisson, share: (1, 2), seed: 42).map(\.time)
        #expect(once == Self.events(timeline, .poisson, share: (1, 2), seed: 42).map(\.time))
        #expect(once != Self.events(timeline, .poisson, share: (1, 2), seed: 43).map(\.time))
    }
}
