import Foundation
import TunerCore

/// Turns the merged statistics of a run into the result file's form, with notes a reader needs.
struct ResultBuilder {
    let plan: LoadPlan

    func build(
        stats: LoopStats, series: [SeriesPoint], generator: GeneratorStats, startedAt: Date, finishedAt: Date,
        measuredSeconds: Double, interruptedAt: Double?, stopReason: String? = nil
    ) -> LoadResult {
        let hasOpen = plan.workloads.contains { $0.model == .open }
        var overall = NameStats(isOpen: hasOpen)
        var requests: [RequestStats] = []
        for (index, name) in plan.names.enumerated() {
            overall.add(stats.names[index])
            requests.append(stats.names[index].requestStats(name: name, durationSeconds: measuredSeconds))
        }
        let overallStats = overall.requestStats(name: "all", durationSeconds: measuredSeconds)
        let schedule: ScheduleStats? = hasOpen ? scheduleStats(stats, measuredSeconds: measuredSeconds) : nil
        let outcomes = Threshold.evaluate(plan.scenario.thresholds, overall: overallStats, requests: requests, series: series)
        var result = LoadResult(
            tool: "tuner \(TunerVersion.current)", startedAt: startedAt, finishedAt: finishedAt,
            configuration: configuration(measuredSeconds: measuredSeconds), overall: overallStats, requests: requests,
            series: series, schedule: schedule, generator: generator, thresholds: outcomes,
            notes: notes(stats, overall: overallStats, generator: generator, interruptedAt: interruptedAt, stopReason: stopReason))
        let c = stats.connections
        result.connections = ConnectionStats(
            opened: c.established, failed: c.failed, connect: c.connectTime, tlsHandshake: c.tlsHandshake)
        return result
    }

    private func scheduleStats(_ stats: LoopStats, measuredSeconds: Double) -> ScheduleStats {
        var completed: UInt64 = 0
        var nameIndex = 0
        for workload in plan.workloads {
            for _ in workload.requests {
                if workload.model == .open { completed += stats.names[nameIndex].answeredInWindow }
                nameIndex += 1
            }
        }
        let s = stats.schedule
        var schedule = ScheduleStats(
            planned: s.planned, sent: s.sent, late: s.late, dropped: s.dropped, expired: s.expired,
            targetRate: measuredSeconds > 0 ? Double(s.planned) / measuredSeconds : 0,
            achievedRate: measuredSeconds > 0 ? Double(completed) / measuredSeconds : 0)
        schedule.expected = plan.workloads.filter { $0.model == .open }.reduce(0.0) { sum, workload in
            let timeline = workload.timeline
            let start = timeline.warmUpSeconds
            return sum + timeline.cumulative(at: start + measuredSeconds) - timeline.cumulative(at: start)
        } * plan.rateFraction
        return schedule
    }

    private func configuration(measuredSeconds: Double) -> RunConfiguration {
        let scenario = plan.scenario
        let models = Set(scenario.workloads.map(\.model))
        let open = scenario.workloads.filter { $0.model == .open }
        let first = scenario.workloads[0]
        var thresholds: [String: [String]] = [:]
        for threshold in scenario.thresholds { thresholds[threshold.scope, default: []].append(threshold.expression) }
        var configuration = RunConfiguration(
            target: plan.target.description, model: models.count == 1 ? first.model.rawValue : "mixed",
            profile: scenario.profile,
            stages: first.stages.map { .init(durationSeconds: $0.duration.seconds, target: $0.target) },
            // A shard records its share (so that the shards' figures add up to the whole); the stages stay the plan's.
            connections: scenario.workloads.reduce(0) {
                let total = $1.model == .open ? $1.connections : Int($1.peak.rounded())
                return $0 + (plan.shard?.portion(of: total) ?? total)
            },
            rate: open.isEmpty ? nil : open.reduce(0) { $0 + $1.peak } * plan.rateFraction,
            durationSeconds: measuredSeconds, warmUpSeconds: plan.warmUpSeconds,
            connectTimeoutSeconds: scenario.connectTimeout.seconds, requestTimeoutSeconds: scenario.requestTimeout.seconds,
            maxInFlight: Self.inFlightCap(of: plan.workloads.filter { $0.model == .open }),
            eventLoops: plan.threads,
            requests: scenario.workloads.flatMap { workload in
                workload.requests.map {
                    .init(name: $0.name, method: $0.method.uppercased(), path: $0.path, weight: $0.weight,
                          flow: workload.flow != nil ? workload.name : nil)
                }
            },
            thresholds: thresholds)
        configuration.tls = plan.tls?.record
        if !scenario.connectTo.isEmpty { configuration.connectTo = scenario.connectTo.map(\.description) }
        configuration.transport = plan.transport.rawValue
        let arrivals = Set(open.map { $0.arrivals ?? .uniform })
        if !arrivals.isEmpty {
            configuration.arrivals = arrivals.count == 1 ? arrivals.first?.rawValue : "mixed"
            if arrivals.contains(.poisson) { configuration.seed = plan.seed }
        }
        return configuration
    }

    /// The open workloads' caps added up; `nil` when any of them lets requests wait without a cap.
    static func inFlightCap(of open: [CompiledWorkload]) -> Int? {
        guard !open.isEmpty else { return nil }
        var total = 0
        for workload in open {
            guard let cap = workload.maxInFlight else { return nil }
            total += cap
        }
        return total
    }

    private func notes(
        _ stats: LoopStats, overall: RequestStats, generator: GeneratorStats, interruptedAt: Double?, stopReason: String?
    ) -> [String] {
        var notes: [String] = []
        if let stopReason {
            notes.append(stopReason + (stats.abandoned > 0 ? ", \(stats.abandoned) requests in flight were not counted" : ""))
        } else if let at = interruptedAt {
            notes.append("interrupted after \(Duration.seconds(at).shortDescription); statistics cover the time before"
                + (stats.abandoned > 0 ? ", \(stats.abandoned) requests in flight were not counted" : ""))
        } else if stats.abandoned > 0 {
            notes.append("\(stats.abandoned) requests were still waiting or in flight after the drain and were not counted")
        }
        if let problem = stats.connections.firstProtocolProblem {
            let count = overall.errors[ErrorKind.protocol.rawValue] ?? 0
            notes.append("the target's responses were not valid HTTP/1.1 (\(count) protocol errors; first: \(problem))")
        }
        let c = stats.connections
        if c.failed > 0 && c.established > 0, let first = c.firstFailure {
            notes.append("\(c.failed) of \(c.attempts) connection attempts failed (the first: \(first))")
        }
        if stats.connections.closedMidRequest > 0 {
            notes.append("the target closed \(stats.connections.closedMidRequest) connections with a request outstanding")
        }
        let s = stats.schedule
        if s.late > 0 {
            notes.append("\(s.late) requests started late because every connection was busy (latency counts from the intended start); more connections would keep the schedule")
        }
        if s.expired > 0 {
            notes.append("\(s.expired) requests waited for a free connection for the whole request timeout and count as timeouts (their waiting time is in the latency)")
        }
        if s.dropped > 0 {
            notes.append("\(s.dropped) requests were dropped unsent: the in-flight cap (--max-in-flight) was reached; each counts as a 'dropped' error with the time it had waited, its shortest possible latency")
        }
        if generator.wasBottleneck {
            notes.append("the load generator was near its CPU limit (\(Int(generator.cpuPercentMean))% of \(generator.cores) cores on average): the numbers understate what the target can do")
        }
        return notes
    }
}
