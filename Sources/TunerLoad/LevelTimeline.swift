/// A workload's level (requests/s or connections) over time: a warm-up hold, then linear ramps.
///
/// For the open model the level is a rate, and request `n` (1-based) is intended to start at
/// the moment the integral of the rate reaches `n`: an explicit schedule, independent of how
/// fast the target answers, which is what makes the latency coordinated-omission free.
struct LevelTimeline: Sendable {
    struct Segment: Sendable {
        var start: Double
        var duration: Double
        var from: Double
        var to: Double
        /// Integral of the level from time zero to `start`.
        var cumulativeAtStart: Double

        var end: Double { start + duration }
        var slope: Double { duration > 0 ? (to - from) / duration : 0 }

        func level(at t: Double) -> Double { from + slope * (t - start) }
        func cumulative(at t: Double) -> Double {
            let x = t - start
            return cumulativeAtStart + from * x + slope * x * x / 2
        }
    }

    let segments: [Segment]
    /// Warm-up plus every stage, in seconds.
    let totalSeconds: Double
    let warmUpSeconds: Double

    /// Warm-up holds `start` (or, when `start` is zero, the first stage's target, from which that
    /// stage then ramps) so that what is warmed up is the load that follows.
    init(start: Double, stages: [Stage], warmUp: Duration) {
        var segments: [Segment] = []
        var level = start
        var time = 0.0
        var cumulative = 0.0
        warmUpSeconds = warmUp.seconds
        if warmUpSeconds > 0 {
            if level == 0, let first = stages.first { level = first.target }
            segments.append(Segment(start: 0, duration: warmUpSeconds, from: level, to: level, cumulativeAtStart: 0))
            time = warmUpSeconds
            cumulative = level * warmUpSeconds
        }
        for stage in stages {
            let segment = Segment(
                start: time, duration: stage.duration.seconds, from: level, to: stage.target,
                cumulativeAtStart: cumulative)
            segments.append(segment)
            cumulative = segment.cumulative(at: segment.end)
            time = segment.end
            level = stage.target
        }
        self.segments = segments
        totalSeconds = time
    }

    /// The level at `t` seconds (0 after the end).
    func level(at t: Double) -> Double {
        guard t >= 0, t < totalSeconds, let segment = segments.last(where: { $0.start <= t }) else { return 0 }
        return segment.level(at: t)
    }

    /// Events (requests) the schedule has produced by `t` seconds.
    func cumulative(at t: Double) -> Double {
        guard t > 0 else { return 0 }
        guard t < totalSeconds else { return segments.last.map { $0.cumulative(at: $0.end) } ?? 0 }
        guard let segment = segments.last(where: { $0.start <= t }) else { return 0 }
        return segment.cumulative(at: t)
    }

    /// When the schedule's `n`-th event (1-based) is due, or `nil` when it falls after the end.
    /// `hint` is a segment index to start from; pass the same variable for increasing `n`.
    func time(ofEvent n: Double, hint: inout Int) -> Double? {
        while hint < segments.count {
            let segment = segments[hint]
            let endCount = segment.cumulative(at: segment.end)
            if n <= endCount && segment.duration > 0 {
                let need = n - segment.cumulativeAtStart
                if need <= 0 { return segment.start }
                let a = segment.slope / 2
                let b = segment.from
                let x: Double
                if a == 0 {
                    guard b > 0 else { hint += 1; continue }
                    x = need / b
                } else {
                    // Stable root of a·x² + b·x − need = 0.
                    let discriminant = max(b * b + 4 * a * need, 0)
                    x = 2 * need / (b + discriminant.squareRoot())
                }
                return min(segment.start + x, segment.end)
            }
            hint += 1
        }
        return nil
    }
}
