import Foundation
import Synchronization
import TunerCore
import TunerLoad
import TunerPostgres
import TunerReport

extension RunWorkflow {
    /// What `tuner run --capacity` found: the search, and the result of its confirmation window (else its last
    /// step) with the database section, the findings, and in `capacity` what saturated at the breaking point.
    public struct CapacityRun: Sendable {
        public var outcome: CapacitySearch.Outcome
        public var result: LoadResult?
    }

    /// `tuner run --capacity`: the breaking-point search with every step observed as `run()` observes its load
    /// (the database's views once a second, the service's pool when `metricsURL` is set). The steps' own
    /// scenario is the plan's at each rate; `slo` judges them.
    public func runCapacity(options: CapacitySearch.Options, slo: [Threshold],
                            stepFinished: @escaping @Sendable (CapacityStep) -> Void) async throws -> CapacityRun {
        let session = try await connect()
        let run = await runCapacity(session, options: options, slo: slo, stepFinished: stepFinished)
        await session.close()
        return try run.get()
    }

    /// One observed step: its result with the database section, and what the observation saw.
    private struct ObservedStep: Sendable {
        var offeredRate: Double?
        var result: LoadResult
        var observation: RunObserver.Observation
    }

    private func runCapacity(_ session: DatabaseSession, options: CapacitySearch.Options, slo: [Threshold],
                             stepFinished: @escaping @Sendable (CapacityStep) -> Void) async -> Result<CapacityRun, any Error> {
        let maxConnections = (try? await session.scalar("SELECT current_setting('max_connections')::int8 AS n")?.int).map(Int.init)
        let sampler: MetricsSampler?
        do {
            sampler = try await metricsSampler()
        } catch {
            return .failure(error)
        }
        let scenario = plan.scenario
        let service = await serviceMeter(sampler: sampler)
        let observed = Mutex<[ObservedStep]>([])
        var search = CapacitySearch(options: options, slo: slo) { rate, duration, warmUp in
            let stepPlan = try LoadPlan(scenario.capacityStep(rate: rate, duration: duration, warmUp: warmUp, slo: slo))
            let (withDatabase, observation) = try await Self.observe(
                stepPlan, warmUp: warmUp, session: session, sampler: sampler, service: service, maxConnections: maxConnections)
            observed.withLock { $0.append(ObservedStep(offeredRate: rate, result: withDatabase, observation: observation)) }
            var result = withDatabase
            result.database = nil  // the search judges the HTTP figures; the observed copy is kept above
            return result
        }
        search.stepFinished = stepFinished
        let outcome = await search.run()
        let steps = observed.withLock { $0 }
        var capacity = outcome.capacity
        let judgement = Self.saturation(capacity, steps: steps)
        capacity.saturation = judgement?.lines
        capacity.limit = judgement?.limit?.rawValue
        // The reported result is the one the search reports (its confirmation window, all its windows when it went on
        // to decide its verdict), with the observation of its last window.
        guard let reported = outcome.result,
              let chosen = steps.last(where: { $0.result.startedAt >= reported.startedAt })
        else {
            return .success(CapacityRun(outcome: outcome, result: nil))
        }
        var result = chosen.result
        if chosen.result.startedAt != reported.startedAt {
            var whole = reported
            whole.database = chosen.result.database
            for note in chosen.result.notes where !whole.notes.contains(note) { whole.notes.append(note) }
            result = whole
        }
        result.capacity = capacity
        let observation = chosen.observation
        var findings = RunAnalysis.findings(result.database!, load: Self.load(of: result, observation: observation),
                                            thresholds: analysisThresholds)
        if !Task.isCancelled, !observation.isDatabaseLost {
            if advisesIndexes { findings += await adviceFindings(session, result: result, notes: &result.notes) }
            if checksDatabase { findings += await doctorFindings(session, notes: &result.notes) }
        }
        // The breaking point's limit is a finding too (the one judgement the capacity section states), unless the run
        // found it already.
        findings += (judgement?.findings ?? []).filter { limit in !findings.contains { $0.id == limit.id } }
        result.findings = Self.withoutRepeats(findings)
        return .success(CapacityRun(outcome: outcome, result: result))
    }

    /// The last passing step at the capacity found against the failing steps, as observed (the search's steps and
    /// the observations are in the same order: one each, or a step's `windows` in a row, of which the last speaks).
    private static func saturation(_ capacity: CapacityResult, steps observed: [ObservedStep]) -> SaturationAnalysis.Judgement? {
        guard capacity.steps.reduce(0, { $0 + ($1.windows ?? 1) }) == observed.count else { return nil }
        var steps: [ObservedStep] = []
        var next = 0
        for step in capacity.steps {
            next += step.windows ?? 1
            steps.append(observed[next - 1])
        }
        let judged = Array(zip(capacity.steps, steps)).filter { $0.0.phase != .probe }
        // Steps are matched by the rate they tested (`heldRate`: under random arrivals a window whose draw came to
        // more or less than the offered rate tested that one), as the search recorded its rates.
        guard let failingRate = capacity.firstFailingRate,
              let failing = judged.first(where: { !$0.0.passed && $0.0.heldRate == failingRate })?.1,
              let passing = judged.last(where: { step, _ in
                  step.passed && step.heldRate < failingRate && step.heldRate == capacity.maxSustainableRate
              })?.1 ?? judged.last(where: { step, _ in step.passed && step.heldRate < failingRate })?.1,
              let passingRate = passing.offeredRate,
              let passingRun = passing.result.database, var failingRun = failing.result.database
        else { return nil }
        // A step that failed by a hair may not have queued long enough for a once-a-second sample to see it: the
        // pool and session samples of every failing step are the evidence; the statements, the first one's.
        let failed = judged.filter { !$0.0.passed }.compactMap(\.1.result.database)
        failingRun.pool = failed.flatMap(\.pool)
        failingRun.connections = failed.flatMap(\.connections)
        let failedTemp = judged.filter { !$0.0.passed }.map(\.1.observation.tempFiles.files).max() ?? 0
        return SaturationAnalysis.judge(
            passing: .init(offeredRate: passingRate, run: passingRun, seconds: passing.observation.seconds,
                           tempFiles: passing.observation.tempFiles.files, service: passing.result.service),
            failing: .init(offeredRate: failingRate, run: failingRun, seconds: failing.observation.seconds,
                           tempFiles: failedTemp, service: failing.result.service))
    }
}
