import TunerCore

/// Whether one capacity step held, and if not the first reason: an SLO, the achieved rate falling
/// behind, dropped requests, or too many late sends.
struct StepVerdict {
    let achievedRate: Double
    let reason: String?

    init(result: LoadResult, offeredRate: Double?, slo: [Threshold], options: CapacitySearch.Options) {
        let seconds = result.configuration.durationSeconds
        achievedRate = result.schedule?.achievedRate ?? (seconds > 0 ? Double(result.overall.count) / seconds : 0)
        guard let offered = offeredRate else {
            reason = nil
            return
        }
        var reasons: [String] = []
        for outcome in Threshold.evaluate(slo, overall: result.overall, requests: result.requests, series: result.series) where !outcome.passed {
            let scope = outcome.threshold.scope == "all" ? "" : "\(outcome.threshold.scope): "
            reasons.append("SLO \(scope)\(outcome.threshold.expression) failed (measured \(outcome.measuredDescription))")
        }
        // Responses are counted when they arrive inside the window: one request straddles each end, and the
        // requests of the window's last mean latency are answered after it. A warm-up's own late answers, arriving
        // in the window, make up for them; without one (or a shorter one) that many answers are missing by
        // construction, which is not falling behind (a service that does fall behind shows it in its latency).
        // (No allowance for the random difference between the requests in flight at the two ends: in a short step
        // it is as large as the backlog a service 10% over its capacity builds, and passing that step would
        // overstate the capacity; tried and measured in CapacitySearchTests.)
        let warmUp = result.configuration.warmUpSeconds
        let slack = 1 + offered * max(0, result.overall.latency.mean / 1000 - warmUp)
        // Against the requests the schedule asked for in the window: with random (Poisson) arrivals their number
        // varies around the offered rate's by chance (±2√n), which is not the service falling behind.
        let random = result.configuration.arrivals == ArrivalProcess.poisson.rawValue
        let asked = random ? result.schedule.map { Double($0.planned) } ?? offered * seconds : offered * seconds
        let share = asked > 0 ? (achievedRate * seconds + slack) / asked : 0
        if share < options.minimumAchievedShare {
            reasons.append("achieved \(Self.rate(achievedRate)) req/s, \(Int((achievedRate / offered * 100).rounded()))% of the offered \(Self.rate(offered))")
        }
        if let schedule = result.schedule {
            if schedule.dropped > 0 { reasons.append("\(schedule.dropped) requests dropped") }
            let lateShare = schedule.planned > 0 ? Double(schedule.late) / Double(schedule.planned) : 0
            if lateShare > options.maximumLateShare {
                reasons.append("\(Int((lateShare * 100).rounded()))% of the sends were late (every connection busy)")
            }
        }
        if result.overall.count == 0 { reasons.append("no request completed") }
        reason = reasons.first
    }

    /// Whole numbers without decimals, others to one decimal: `90`, `12.5`.
    static func rate(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return value >= 100 || tenths == tenths.rounded() ? String(Int(value.rounded())) : String(tenths)
    }
}
