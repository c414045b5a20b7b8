import TunerCore

/// One event loop's part of an open workload's schedule: when each of its requests is due.
///
/// Positions are on the schedule's cumulative count, the integral of the rate, and `LevelTimeline` maps a position
/// to its time. Uniform: this loop's events are `share.index + 1`, then every `share.count`-th, so the loops
/// together send exactly the schedule. Poisson: gaps of mean `share.count` drawn from an exponential distribution,
/// so that this loop's events are a Poisson process at its share of the rate and the loops' (and shards')
/// independent processes together one Poisson process at the whole rate; mapped through the rate's integral, they
/// follow the stages (a time-varying Poisson process, by the time-rescaling theorem).
struct ArrivalSchedule: Sendable {
    let timeline: LevelTimeline
    let arrivals: ArrivalProcess
    let share: (index: Int, count: Int)
    private var random: FastRandom
    private var hint = 0
    /// The oldest event not yet sent or ended, as a position on the cumulative count.
    private(set) var position: Double
    /// When it is due (seconds since time zero); `nil` once the schedule is over.
    private(set) var due: Double?

    /// `seed`: the plan's; each workload and loop draws from a stream of its own.
    init(timeline: LevelTimeline, arrivals: ArrivalProcess, share: (index: Int, count: Int), seed: UInt64, workload: Int) {
        self.timeline = timeline
        self.arrivals = arrivals
        self.share = share
        random = FastRandom(seed: FastRandom.mix(seed, UInt64(workload), UInt64(share.index)))
        position = 0
        position = arrivals == .uniform ? Double(share.index + 1) : gap()
        due = timeline.time(ofEvent: position, hint: &hint)
    }

    /// Moves on to this loop's next event.
    mutating func advance() {
        position += gap()
        due = timeline.time(ofEvent: position, hint: &hint)
    }

    /// This loop's events due by `elapsed` and not yet sent or ended (Poisson: their expected number; the events
    /// themselves are drawn one at a time).
    func waiting(elapsed: Double) -> Int {
        guard due != nil else { return 0 }
        switch arrivals {
        case .uniform:
            let produced = timeline.cumulative(at: elapsed).rounded(.down)
            let first = Double(share.index + 1)
            guard produced >= position, position >= first else { return 0 }
            return Int((produced - position) / Double(share.count)) + 1
        case .poisson:
            let produced = timeline.cumulative(at: elapsed)
            guard produced >= position else { return 0 }
            return Int((produced - position) / Double(share.count)) + 1
        }
    }

    private mutating func gap() -> Double {
        switch arrivals {
        case .uniform: Double(share.count)
        case .poisson: Double(share.count) * random.exponential()
        }
    }
}
