import Foundation
import TunerCore

/// The breaking-point search: the highest open-model rate at which every SLO holds.
///
/// A first estimate (a short closed-model probe, or `start`), geometric steps up until a step fails,
/// bisection between the last passing and the first failing rate until they are within `precision`,
/// then a longer confirmation window at the rate found, stepping down while it fails. Each step is a
/// run of its own, with its own uncounted warm-up. The search never reports the load generator's limit
/// as the service's capacity: when the generator runs out of CPU it stops and says so.
public struct CapacitySearch: Sendable {
    public struct Options: Sendable {
        /// The first rate to try; `nil` runs a closed-model probe and starts at half of what it achieved.
        public var start: Double?
        /// Never offer more than this (requests/s).
        public var maximum: Double?
        /// Bisection stops when the failing rate is within this fraction above the passing one.
        public var precision = 0.05
        /// The factor of each geometric step up (and down, while the first steps fail).
        public var growth = 1.5
        public var stepDuration: Duration = .seconds(10)
        public var stepWarmUp: Duration = .seconds(2)
        public var confirmDuration: Duration = .seconds(30)
        public var probeDuration: Duration = .seconds(3)
        /// A step fails when fewer than this share of the offered requests completed in its window.
        public var minimumAchievedShare = 0.97
        /// A step fails when more than this share of its sends went out late (waiting for a connection).
        public var maximumLateShare = 0.10
        /// Below this rate the search gives up (nothing passes).
        public var minimumRate = 0.5
        /// Steps at most (a search that does not converge still ends).
        public var maximumSteps = 40
        /// A step whose SLO intervals straddle their limits goes on at the same rate, a step's length at a time,
        /// until it is decided or has measured this long (`nil`: four times the step); still undecided, it counts
        /// as not passing.
        public var maximumStepDuration: Duration?

        public init() {}
    }

    /// What a step measured, and the verdict.
    public struct Measured: Sendable {
        public var step: CapacityStep
        public var result: LoadResult
    }

    public var options: Options
    /// The SLO each step is judged by.
    public var slo: [Threshold]
    /// Runs one step: the load at `rate` (open model) for the given window, or the closed-model probe
    /// when `rate` is `nil`.
    public var measure: @Sendable (_ rate: Double?, _ duration: Duration, _ warmUp: Duration) async throws -> LoadResult
    /// Called after every step (progress for the user).
    public var stepFinished: @Sendable (CapacityStep) -> Void = { _ in }

    public init(
        options: Options, slo: [Threshold],
        measure: @escaping @Sendable (_ rate: Double?, _ duration: Duration, _ warmUp: Duration) async throws -> LoadResult
    ) {
        self.options = options
        self.slo = slo
        self.measure = measure
    }

    /// What the search found, the result of its confirmation window (else of its last step), whether it
    /// was interrupted, and the error that ended it early (a target that cannot be reached), if one did.
    public struct Outcome: Sendable {
        public var capacity: CapacityResult
        public var result: LoadResult?
        public var wasInterrupted: Bool
        public var error: (any Error)?
    }

    /// Runs the search. Cancellation, and a step that cannot be measured, end it with what was found so far.
    public func run() async -> Outcome {
        let began = ContinuousClock.now
        var state = State()
        var failure: (any Error)?
        do {
            try await search(&state)
        } catch is CancellationError {
            state.interrupted = true
        } catch {
            failure = error
        }
        if Task.isCancelled { state.interrupted = true }
        let capacity = state.capacity(slo: slo, options: options, seconds: (ContinuousClock.now - began).seconds)
        return Outcome(capacity: capacity, result: state.confirmation ?? state.lastResult, wasInterrupted: state.interrupted,
                       error: failure)
    }

    /// The search's bookkeeping.
    struct State {
        var steps: [CapacityStep] = []
        var passing: Double?
        var failing: (rate: Double, reason: String)?
        var confirmed: Double?
        var confirmation: LoadResult?
        var lastResult: LoadResult?
        var limitedByGenerator = false
        var reachedMaximum = false
        var interrupted = false
        var arrivals: String?

        func capacity(slo: [Threshold], options: Options, seconds: Double) -> CapacityResult {
            let rate = confirmed ?? (interrupted || limitedByGenerator ? passing : nil)
            var result = CapacityResult(
                maxSustainableRate: rate, isLowerBound: reachedMaximum || limitedByGenerator,
                firstFailingRate: failing?.rate, failureReason: failing?.reason, limitedByGenerator: limitedByGenerator,
                slo: slo.map(\.description), steps: steps,
                kneeRate: LatencyKnee.rate(steps), scalability: ScalabilityFitter.fit(steps), sizing: nil,
                searchSeconds: seconds)
            result.arrivals = arrivals
            result.interval = CapacityInterval(passed: confirmed ?? passing, failed: failing?.rate)
            result.confidence = PercentileInterval.confidence
            return result
        }

        /// The highest rate a judged step (not the probe) passed below `rate`, if any did.
        func highestPassed(below rate: Double) -> Double? {
            steps.filter { $0.phase != .probe && $0.passed && $0.offeredRate < rate }.map(\.heldRate).max()
        }
    }

    private func search(_ state: inout State) async throws {
        var rate: Double
        if let start = options.start {
            rate = start
        } else {
            let probe = try await step(nil, options.probeDuration, phase: .probe, &state)
            rate = max(probe.step.achievedRate / 2, options.minimumRate)
        }
        if let maximum = options.maximum { rate = min(rate, maximum) }
        // Climb (or, while the first rates fail, descend) geometrically to bracket the capacity.
        while state.steps.count < options.maximumSteps {
            try Task.checkCancellation()
            let measured = try await step(rate, options.stepDuration, phase: .search, &state)
            if state.limitedByGenerator { return }
            if measured.step.passed {
                state.passing = max(state.passing ?? 0, measured.step.heldRate)
                if state.failing != nil { break }
                if let maximum = options.maximum, rate >= maximum {
                    state.reachedMaximum = true
                    break
                }
                rate = options.maximum.map { min(rate * options.growth, $0) } ?? rate * options.growth
            } else if measured.step.isUndecided == true, state.failing == nil, state.passing == nil,
                      options.maximum.map({ rate < $0 }) ?? true {
                // Undecided before anything was decided: too few requests for the SLO at this rate (a p95 of one
                // endpoint at a few requests per second), or a latency right at its limit. A lower rate has fewer
                // requests still and would never decide; a higher one has more. Climb, counting this rate as neither
                // passed nor failed: once a step fails, the rates below it are measured again on the way down.
                rate = options.maximum.map { min(rate * options.growth, $0) } ?? rate * options.growth
            } else {
                if state.failing.map({ measured.step.heldRate < $0.rate }) ?? true {
                    state.failing = (measured.step.heldRate, measured.step.reason ?? "failed")
                }
                if state.passing != nil { break }
                rate /= options.growth
                guard rate >= options.minimumRate else { return }
            }
        }
        // Bisect until the failing rate is within the precision above the passing one.
        while let low = state.passing, let high = state.failing?.rate, high > low * (1 + options.precision),
              state.steps.count < options.maximumSteps {
            try Task.checkCancellation()
            let middle = (low * high).squareRoot()
            let measured = try await step(middle, options.stepDuration, phase: .search, &state)
            if state.limitedByGenerator { return }
            if measured.step.passed {
                state.passing = max(low, measured.step.heldRate)
            } else {
                // A long draw that failed above the failing rate already known taught nothing of `middle`: the next
                // step measures it again (a new draw).
                if measured.step.heldRate < high { state.failing = (measured.step.heldRate, measured.step.reason ?? "failed") }
            }
        }
        // Confirm with a longer window, stepping down by the precision while it fails.
        guard var candidate = state.passing else { return }
        while candidate >= options.minimumRate && state.steps.count < options.maximumSteps + 5 {
            try Task.checkCancellation()
            let measured = try await step(candidate, options.confirmDuration, phase: .confirm, &state)
            if state.limitedByGenerator { return }
            if measured.step.passed {
                state.confirmed = measured.step.heldRate
                state.confirmation = measured.result
                return
            }
            if state.failing.map({ measured.step.heldRate < $0.rate }) ?? true {
                state.failing = (measured.step.heldRate, measured.step.reason ?? "failed")
            }
            // The search steps that passed at this rate or above did not hold for longer: the highest rate that
            // passed stays a measured one (below the failure), never the next candidate, which is not measured yet.
            state.passing = state.highestPassed(below: candidate)
            candidate *= 1 - options.precision
        }
    }

    /// Measures one step, judges it and records it.
    @discardableResult
    private func step(_ rate: Double?, _ duration: Duration, phase: CapacityStep.Phase, _ state: inout State)
        async throws -> Measured
    {
        let warmUp = phase == .probe ? Duration.seconds(1) : options.stepWarmUp
        var result = try await measure(rate, duration, warmUp)
        // An interrupted step is not judged: its window is cut short.
        if result.notes.contains(where: { $0.hasPrefix("interrupted") }) { throw CancellationError() }
        let window = duration.seconds
        var verdict = StepVerdict(result: result, offeredRate: rate, slo: slo, options: options, windowSeconds: window)
        // Undecided: more requests at the same rate, until the intervals leave the limits or the cap is reached. Each
        // further window has a short warm-up of its own, whose late answers make up for those its end cuts off. A
        // confirmation (a longer window) may go on as many times its length as a search step may.
        let ratio = max(1, (options.maximumStepDuration ?? options.stepDuration * 4) / options.stepDuration)
        let cap = duration * ratio
        var windows = 1
        // A pass on a short random draw (arrivals that came to less than the offered rate by more than half the
        // precision), or a failure on a long one (more than it), did not test the offered rate: it goes on too, and
        // the windows' draws together come closer to it.
        func isOffDraw(_ verdict: StepVerdict) -> Bool {
            guard let rate, let tested = verdict.testedRate, !verdict.isUndecided else { return false }
            return verdict.reason == nil ? tested < rate * (1 - options.precision / 2) : tested > rate * (1 + options.precision / 2)
        }
        while verdict.isUndecided || isOffDraw(verdict), duration * (windows + 1) <= cap, !result.generator.wasBottleneck {
            try Task.checkCancellation()
            let next = try await measure(rate, duration, min(options.stepWarmUp, .seconds(1)))
            if next.notes.contains(where: { $0.hasPrefix("interrupted") }) { throw CancellationError() }
            result = try ResultMerger.continued(result, by: next)
            windows += 1
            verdict = StepVerdict(result: result, offeredRate: rate, slo: slo, options: options, windowSeconds: window)
        }
        state.lastResult = result
        var step = CapacityStep(
            phase: phase, offeredRate: rate ?? verdict.achievedRate, achievedRate: verdict.achievedRate,
            p50: result.overall.latency.p50, p95: result.overall.latency.p95, p99: result.overall.latency.p99,
            mean: result.overall.latency.mean, requests: result.overall.count, errors: result.overall.errorCount,
            passed: phase == .probe || verdict.reason == nil, reason: verdict.reason,
            measuredSeconds: result.configuration.durationSeconds, generatorCPUPercent: result.generator.cpuPercentMean)
        step.serviceCPUMillisecondsPerRequest = result.service?.cpuMillisecondsPerRequest
        step.serviceCores = result.service?.coresMean
        step.windows = windows > 1 ? windows : nil
        step.isUndecided = verdict.isUndecided ? true : nil
        // The rate it tested, when its draw differed from the offered one: lower for a pass, higher for a failure
        // (a short draw's failure and a long draw's pass hold at the offered rate a fortiori).
        if let tested = verdict.testedRate, let rate, step.passed ? tested < rate * 0.995 : tested > rate * 1.005 {
            step.drawnRate = tested
        }
        if state.arrivals == nil, phase != .probe { state.arrivals = result.configuration.arrivals }
        state.steps.append(step)
        // The probe only estimates where to start; a step at a given rate that runs out of CPU ends the search.
        if phase != .probe && result.generator.wasBottleneck {
            state.limitedByGenerator = true
            state.failing = nil
        }
        stepFinished(step)
        return Measured(step: step, result: result)
    }
}
