import Testing
@testable import TunerLoad

/// The open model's schedule: intended start times come from the rate, not from the target.
@Suite struct LevelTimelineTests {
    private func times(_ timeline: LevelTimeline, from first: Int = 1, step: Int = 1) -> [Double] {
        var hint = 0
        var out: [Double] = []
        var n = first
        while let t = timeline.time(ofEvent: Double(n), hint: &hint) {
            out.append(t)
            n += step
        }
        return out
    }

    @Test func constantRateSpacesRequestsEvenly() {
        let timeline = LevelTimeline(start: 100, stages: [Stage(duration: .seconds(2), target: 100)], warmUp: .zero)
        let t = times(timeline)
        #expect(t.count == 200)
        for (i, time) in t.enumerated() { #expect(abs(time - Double(i + 1) / 100) < 1e-9) }
    }

    @Test func loopsSplitTheScheduleWithoutGapsOrOverlap() {
        let timeline = LevelTimeline(start: 50, stages: [Stage(duration: .seconds(3), target: 50)], warmUp: .zero)
        let all = times(timeline)
        let split = (0..<3).flatMap { loop in times(timeline, from: loop + 1, step: 3) }.sorted()
        #expect(split == all)
    }

    @Test func linearRampProducesTheIntegralOfTheRate() {
        // 0 → 200 req/s over 4 s: 400 requests, sparse at first, dense at the end.
        let timeline = LevelTimeline(start: 0, stages: [Stage(duration: .seconds(4), target: 200)], warmUp: .zero)
        let t = times(timeline)
        #expect(abs(t.count - 400) <= 1)
        #expect(abs(t.filter { $0 < 2.000_001 }.count - 100) <= 1)  // a quarter of the area lies in the first half
        for pair in zip(t, t.dropFirst()) { #expect(pair.0 <= pair.1) }
        #expect(abs(timeline.level(at: 1) - 50) < 1e-9)
    }

    @Test func rampDownAndHoldChain() {
        let timeline = LevelTimeline(
            start: 100,
            stages: [Stage(duration: .seconds(1), target: 100), Stage(duration: .seconds(2), target: 0)],
            warmUp: .zero)
        #expect(abs(timeline.cumulative(at: 3) - 200) < 1e-9)
        #expect(abs(times(timeline).count - 200) <= 1)
        #expect(timeline.level(at: 2) == 50)
    }

    @Test func warmUpHoldsTheFirstLevelBeforeTheStages() {
        let timeline = LevelTimeline(start: 0, stages: [Stage(duration: .seconds(2), target: 10)], warmUp: .seconds(1))
        #expect(timeline.totalSeconds == 3)
        #expect(timeline.level(at: 0.5) == 10)  // ramping from zero would warm nothing up
        #expect(times(timeline).filter { $0 <= 1 }.count == 10)
    }
}
