/// What `tuner capacity` found: the highest open-model rate at which every SLO held, how it was found
/// (every step), where latency turns up (the knee), and a Universal Scalability Law fit.
public struct CapacityResult: Codable, Sendable {
    /// Requests/s: the highest offered rate that passed every criterion and its confirmation window.
    /// `nil` when no measured rate passed.
    public var maxSustainableRate: Double?
    /// True when the search stopped before it found a failing rate (at `--max`, or because the load
    /// generator ran out of CPU): the service takes at least `maxSustainableRate`, perhaps more.
    public var isLowerBound: Bool
    /// The lowest offered rate that failed, and why.
    public var firstFailingRate: Double?
    public var failureReason: String?
    /// True when the load generator itself was the bottleneck: the search stopped there and the figure is
    /// the generator's limit, not the service's.
    public var limitedByGenerator: Bool
    /// The SLO every step was judged by (threshold expressions, `scope: expression`).
    public var slo: [String]
    /// Every measured step, in the order they ran.
    public var steps: [CapacityStep]
    /// The highest passing rate before p95 latency rose to twice its value at the lowest rate measured.
    public var kneeRate: Double?
    public var scalability: ScalabilityFit?
    /// Instances like the one measured that `--target-rate` needs.
    public var sizing: CapacitySizing?
    /// Seconds the whole search took.
    public var searchSeconds: Double
    /// `tuner run --capacity`: what saturated at the breaking point, as observed in the database (and the
    /// service's pool) during the last passing step against the first failing one; the first line says it.
    public var saturation: [String]?
    /// `tuner run --capacity`: what limited the service at the breaking point, as the first line of `saturation` says
    /// it (`service-pool`, `service-cpu`, `lock-waits`, `max-connections`, `temp-files`); `nil` when nothing showed.
    public var limit: String?
    /// How the steps' requests arrived: `poisson` (at random, the default of a search), `uniform`, or `mixed`.
    public var arrivals: String?
    /// Where the capacity lies as far as the search measured: between the highest rate that passed and the lowest
    /// that failed. Two capacities differ only when their intervals do not overlap.
    public var interval: CapacityInterval?
    /// The confidence each step's SLO verdict was taken at (0.95: a step passes when every SLO's 95% interval
    /// lies inside its limit).
    public var confidence: Double?

    public init(
        maxSustainableRate: Double?, isLowerBound: Bool, firstFailingRate: Double?, failureReason: String?,
        limitedByGenerator: Bool, slo: [String], steps: [CapacityStep], kneeRate: Double?,
        scalability: ScalabilityFit?, sizing: CapacitySizing?, searchSeconds: Double
    ) {
        self.maxSustainableRate = maxSustainableRate
        self.isLowerBound = isLowerBound
        self.firstFailingRate = firstFailingRate
        self.failureReason = failureReason
        self.limitedByGenerator = limitedByGenerator
        self.slo = slo
        self.steps = steps
        self.kneeRate = kneeRate
        self.scalability = scalability
        self.sizing = sizing
        self.searchSeconds = searchSeconds
    }
}

/// One measured rate of the search.
public struct CapacityStep: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable {
        /// The closed-model run that estimated where to start.
        case probe
        /// A step of the geometric climb or the bisection.
        case search
        /// The longer window at the rate found.
        case confirm
    }

    public var phase: Phase
    /// Requests/s the schedule asked for (for the probe: what the closed model achieved).
    public var offeredRate: Double
    /// Requests/s that completed in the measured window.
    public var achievedRate: Double
    public var p50: Double
    public var p95: Double
    public var p99: Double
    /// Mean latency in milliseconds (with the achieved rate, Little's law gives the concurrency).
    public var mean: Double
    public var requests: UInt64
    public var errors: UInt64
    public var passed: Bool
    /// Why the step failed (the first reason); `nil` when it passed.
    public var reason: String?
    public var measuredSeconds: Double
    /// The generator's mean CPU over the step, percent of all cores.
    public var generatorCPUPercent: Double
    /// The service's CPU milliseconds per request and its mean cores during the step, when it was metered
    /// (`--service-pid`, `--service-cgroup`, or its metrics' process figures in `tuner run --capacity`).
    public var serviceCPUMillisecondsPerRequest: Double?
    public var serviceCores: Double?
    /// Windows of the step's length it measured (more than one when its first left an SLO undecided); `nil`: one.
    public var windows: Int?
    /// True when it counted as not passing only because its SLO intervals still straddled their limits at the cap.
    public var isUndecided: Bool?
    /// Under random arrivals, the rate the window's draw came to when it fell short of the offered one in a step that
    /// passed, or exceeded it in one that failed (`nil`: the offered rate was tested): the step passed or failed at
    /// this rate.
    public var drawnRate: Double?

    /// The rate a step tested: the offered one, or the one its random arrivals came to (`drawnRate`).
    public var heldRate: Double { drawnRate ?? offeredRate }

    public init(
        phase: Phase, offeredRate: Double, achievedRate: Double, p50: Double, p95: Double, p99: Double,
        mean: Double, requests: UInt64, errors: UInt64, passed: Bool, reason: String?, measuredSeconds: Double,
        generatorCPUPercent: Double
    ) {
        self.phase = phase
        self.offeredRate = offeredRate
        self.achievedRate = achievedRate
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.mean = mean
        self.requests = requests
        self.errors = errors
        self.passed = passed
        self.reason = reason
        self.measuredSeconds = measuredSeconds
        self.generatorCPUPercent = generatorCPUPercent
    }

    /// Little's law: requests in the service at once, on average (achieved rate × mean latency).
    public var concurrency: Double { achievedRate * mean / 1000 }
}

/// Universal Scalability Law fit of throughput against concurrency:
/// X(N) = λN / (1 + σ(N − 1) + κN(N − 1)).
public struct ScalabilityFit: Codable, Sendable, Equatable {
    /// Throughput of one request in flight (requests/s).
    public var lambda: Double
    /// Contention: the share of the work that is serialized.
    public var sigma: Double
    /// Coherency: the cost that grows with every pair of requests in flight.
    public var kappa: Double
    /// How much of the measured throughput's variation the curve explains (1 = all of it).
    public var rSquared: Double
    /// Concurrency at which throughput peaks (`nil` without coherency cost: it levels off instead).
    public var peakConcurrency: Double?
    /// The throughput the curve predicts at its peak, or its ceiling λ/σ when it only levels off.
    public var predictedPeakRate: Double?
    /// Points the fit used.
    public var points: Int

    public init(lambda: Double, sigma: Double, kappa: Double, rSquared: Double, peakConcurrency: Double?,
                predictedPeakRate: Double?, points: Int) {
        self.lambda = lambda
        self.sigma = sigma
        self.kappa = kappa
        self.rSquared = rSquared
        self.peakConcurrency = peakConcurrency
        self.predictedPeakRate = predictedPeakRate
        self.points = points
    }

    /// Below this R² the curve is not trusted for predictions.
    public static let goodFit = 0.9
    public var isGood: Bool { rSquared >= Self.goodFit }
}

/// How many instances like the one measured a target rate needs.
public struct CapacitySizing: Codable, Sendable, Equatable {
    public var targetRate: Double
    /// The share of each instance's capacity kept free (0.3 = run each at 70%).
    public var headroom: Double
    public var instances: Int
    /// What one instance is planned to carry: capacity × (1 − headroom).
    public var ratePerInstance: Double

    public init(targetRate: Double, headroom: Double, instances: Int, ratePerInstance: Double) {
        self.targetRate = targetRate
        self.headroom = headroom
        self.instances = instances
        self.ratePerInstance = ratePerInstance
    }
}

extension CapacitySizing {
    /// Instances needed to carry `targetRate` when each, measured at `capacity`, runs at `1 − headroom`.
    public static func instances(for targetRate: Double, capacity: Double, headroom: Double) -> CapacitySizing {
        let perInstance = capacity * (1 - headroom)
        let count = perInstance > 0 ? Int((targetRate / perInstance).rounded(.up)) : 0
        return CapacitySizing(targetRate: targetRate, headroom: headroom, instances: Swift.max(count, 1),
                              ratePerInstance: perInstance)
    }
}

/// Where a capacity lies: between the highest rate that passed and the lowest that failed.
public struct CapacityInterval: Codable, Sendable, Equatable {
    /// The highest offered rate that passed (`nil`: none did).
    public var passed: Double?
    /// The lowest offered rate that failed (`nil`: none did; the capacity is at least `passed`).
    public var failed: Double?

    public init(passed: Double?, failed: Double?) {
        self.passed = passed
        self.failed = failed
    }

    /// True when this interval lies wholly above `other`: every rate it holds is more than any `other` could hold.
    public func isAbove(_ other: CapacityInterval) -> Bool {
        guard let low = passed, let otherHigh = other.failed else { return false }
        return low >= otherHigh
    }

    /// `[16.2, 17.0) req/s`, `≥ 40 req/s`, `< 0.5 req/s`.
    public var description: String {
        switch (passed, failed) {
        case let (low?, high?): "[\(NumberFormat.number(low)), \(NumberFormat.number(high))) req/s"
        case let (low?, nil): "≥ \(NumberFormat.number(low)) req/s"
        case let (nil, high?): "< \(NumberFormat.number(high)) req/s"
        case (nil, nil): "unknown"
        }
    }
}
