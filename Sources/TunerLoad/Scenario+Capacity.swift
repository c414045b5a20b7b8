import TunerCore

extension Scenario {
    /// One step of a capacity search: every workload in the open model at its share of `rate`, constant
    /// for `duration` after `warmUp`, judged by `slo` (the scenario's own thresholds are replaced).
    ///
    /// Open workloads share the rate as their peak rates do; closed ones count as one share each. Workloads that
    /// do not say how their requests arrive get `arrivals`: at random for a capacity search (the rate random users
    /// can arrive at), evenly for a load at a given rate where the sweep compares latencies.
    public func atRate(_ rate: Double, duration: Duration, warmUp: Duration, slo: [Threshold],
                       arrivals: ArrivalProcess = .poisson) -> Scenario {
        // Rates are requests/s: a flow's iteration sends one request per step, so its weight is its requests/s and
        // its arrival rate its share divided by its steps.
        let steps = workloads.map { Double(max($0.flow?.steps.count ?? 1, 1)) }
        let weights = zip(workloads, steps).map { $0.model == .open ? max($0.peak, 1e-9) * $1 : $1 }
        let total = weights.reduce(0, +)
        var scenario = self
        scenario.thresholds = slo
        scenario.warmUp = warmUp
        scenario.profile = nil
        scenario.workloads = zip(workloads, zip(weights, steps)).map { workload, weighted in
            var workload = workload
            let (weight, steps) = weighted
            let share = rate * weight / total / steps
            workload.model = .open
            workload.arrivals = workload.arrivals ?? arrivals
            workload.start = share
            workload.stages = [Stage(duration: duration, target: share)]
            return workload
        }
        return scenario
    }

    /// One step of a capacity search: the scenario at `rate`, or the closed-model probe when `rate` is nil.
    public func capacityStep(rate: Double?, duration: Duration, warmUp: Duration, slo: [Threshold]) -> Scenario {
        rate.map { atRate($0, duration: duration, warmUp: warmUp, slo: slo) } ?? closedProbe(duration: duration, warmUp: warmUp)
    }

    /// The capacity search's first estimate: every workload in the closed model with its connections
    /// (an open workload's pool), as fast as the service answers, for `duration`.
    public func closedProbe(duration: Duration, warmUp: Duration) -> Scenario {
        var scenario = self
        scenario.thresholds = []
        scenario.warmUp = warmUp
        scenario.profile = nil
        scenario.workloads = workloads.map { workload in
            var workload = workload
            let connections = Double(workload.model == .open ? workload.connections : Int(workload.peak.rounded()))
            workload.model = .closed
            workload.start = max(connections, 1)
            workload.stages = [Stage(duration: duration, target: max(connections, 1))]
            workload.thinkTime = .zero
            return workload
        }
        return scenario
    }
}
