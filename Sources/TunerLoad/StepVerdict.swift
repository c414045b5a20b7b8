import TunerCore

/// Whether one capacity step held, and if not the first reason: an SLO, the achieved rate falling
/// behind, dropped requests, or too many late sends.
struct StepVerdict {
    let achievedRate: Double
    /// The rate the window tested: the offered one, or under random arrivals what the window's draw came to when it
    /// differed from it by more than half the search's precision (a window whose arrivals came to 85% of the offered
    /// rate passed at that rate, not at the one asked for; among windows near the capacity the ones that pass are more
    /// often the short draws, so crediting them with the offered rate would overstate it; and one whose arrivals came
    /// to 120% failed at that rate, which says nothing of the offered one).
    let testedRate: Double?
    let reason: String?
    /// True when no criterion failed but an SLO's interval still straddled its limit: more requests are needed.
    let isUndecided: Bool

    /// `windowSeconds`: the length of each window the result adds up (the step's; the result's own when it is one).
    init(result: LoadResult, offeredRate: Double?, slo: [Threshold], options: CapacitySearch.Options,
         windowSeconds: Double? = nil) {
        let windowSeconds = windowSeconds ?? result.configuration.durationSeconds
        let seconds = result.configuration.durationSeconds
        achievedRate = result.schedule?.achievedRate ?? (seconds > 0 ? Double(result.overall.count) / seconds : 0)
        guard let offered = offeredRate else {
            testedRate = nil
            reason = nil
            isUndecided = false
            return
        }
        // The share of the offered rate the window's arrivals came to: exactly 1 for even arrivals, around 1 by chance
        // (±1/√n) for random ones. `planned` and `expected` count the same events (a flow's iterations, not its
        // requests), so the ratio holds for flows too.
        let random = result.configuration.arrivals == ArrivalProcess.poisson.rawValue
        var drawn = 1.0
        // A window that planned nothing (the target refused every connection, the run was cut) drew nothing to judge.
        if random, let schedule = result.schedule, let expected = schedule.expected, expected > 0, schedule.planned > 0 {
            drawn = Double(schedule.planned) / expected
        }
        // Within half the search's precision a draw counts as the offered rate (the search claims no finer answer).
        testedRate = abs(drawn - 1) > options.precision / 2 ? offered * drawn : offered
        var reasons: [String] = []
        var undecided: [String] = []
        for threshold in slo {
            let scope = threshold.scope == "all" ? "" : "\(threshold.scope): "
            let stats = threshold.scope == "all" || threshold.scope == result.overall.name
                ? result.overall : result.requests.first { $0.name == threshold.scope }
            guard let stats, threshold.windowSeconds == nil else {
                // A windowed SLO, or a name no request had: judged as thresholds are, always decided.
                for outcome in Threshold.evaluate([threshold], overall: result.overall, requests: result.requests,
                                                  series: result.series) where !outcome.passed {
                    reasons.append("SLO \(scope)\(threshold.expression) failed (measured \(outcome.note ?? outcome.measuredDescription))")
                }
                continue
            }
            let outcome = threshold.decide(stats)
            switch outcome.decision {
            case .pass: break
            case .fail: reasons.append("SLO \(scope)\(threshold.expression) failed (\(outcome.evidence))")
            case .undecided: undecided.append("SLO \(scope)\(threshold.expression): \(outcome.evidence)")
            }
        }
        // Responses are counted when they arrive inside the window: one request straddles each end, and the
        // requests of the window's last service time are answered after it. A warm-up's own late answers, arriving
        // in the window, make up for them; without one (or a shorter one) that many answers are missing by
        // construction, which is not falling behind. The service time is the latency's 10th percentile (the time
        // without waiting), not its mean: a service that falls behind queues, its mean latency grows with the backlog,
        // and an allowance that grew with it would excuse the very shortfall it should fail (a slot server 40% over its
        // capacity passed 2 s steps that way).
        // (Under even arrivals no allowance for the difference between the requests in flight at the two ends.)
        let warmUp = result.configuration.warmUpSeconds
        let serviceTime = (try? result.overall.latencyHistogram().millis(atPercentile: 10)) ?? result.overall.latency.p50
        let slack = 1 + offered * max(0, serviceTime / 1000 - warmUp)
        // Against the requests the schedule drew for the window: with random (Poisson) arrivals their number varies
        // around the offered rate's by chance (±2√n), which is not the service falling behind. Nor is the number in
        // flight at each end, which bursts make random too: about Poisson with mean rate × service time, so their
        // difference is allowed two standard deviations, √(2L) for each window (a step that went on has several).
        let asked = offered * seconds * drawn
        var chance = 0.0
        if random {
            let windows = Double(max(1, Int((seconds / max(windowSeconds, 1e-9)).rounded())))
            chance = 2 * (2 * max(offered * serviceTime / 1000, 1) * windows).squareRoot()
        }
        let share = asked > 0 ? (achievedRate * seconds + slack + chance) / asked : 0
        if share < options.minimumAchievedShare {
            // Against what the window's arrivals came to when that differs from the offered rate by more than 2%.
            let drew = offered * drawn
            reasons.append(abs(drawn - 1) > 0.02
                ? "achieved \(Self.rate(achievedRate)) req/s, \(Int((achievedRate / drew * 100).rounded()))% of the \(Self.rate(drew)) its random arrivals came to (offered \(Self.rate(offered)))"
                : "achieved \(Self.rate(achievedRate)) req/s, \(Int((achievedRate / offered * 100).rounded()))% of the offered \(Self.rate(offered))")
        }
        if let schedule = result.schedule {
            if schedule.dropped > 0 { reasons.append("\(schedule.dropped) requests dropped") }
            let lateShare = schedule.planned > 0 ? Double(schedule.late) / Double(schedule.planned) : 0
            if lateShare > options.maximumLateShare {
                reasons.append("\(Int((lateShare * 100).rounded()))% of the sends were late (every connection busy)")
            }
        }
        if result.overall.count == 0 { reasons.append("no request completed") }
        isUndecided = reasons.isEmpty && !undecided.isEmpty
        reason = reasons.first ?? undecided.first.map { "undecided (\(result.overall.count) requests): \($0)" }
    }

    /// Whole numbers without decimals, others to one decimal: `90`, `12.5`.
    static func rate(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return value >= 100 || tenths == tenths.rounded() ? String(Int(value.rounded())) : String(tenths)
    }
}
