/// What `tuner sweep` measured: one point per value (or combination of values) of the service's settings.
public struct SweepResult: Codable, Sendable {
    /// The settings swept, in the order given (`--param NAME=…`).
    public var parameters: [String]
    /// `capacity`, or `rate=R` (latency at a fixed rate).
    public var measure: String
    public var slo: [String]
    public var points: [SweepPoint]
    /// The smallest setting within 5% of the best (capacity) or whose p95 is within 5% of the best (rate):
    /// more than that buys nothing.
    public var knee: [String: String]?
    /// The recommendation with its evidence, one sentence.
    public var recommendation: String?
    /// Capacity mode: the rate every point was also measured at, to compare their latencies at one load
    /// (`--compare-at`, else half the first point's capacity).
    public var commonRate: Double?

    public init(parameters: [String], measure: String, slo: [String], points: [SweepPoint], knee: [String: String]?,
                recommendation: String?, commonRate: Double? = nil) {
        self.commonRate = commonRate
        self.parameters = parameters
        self.measure = measure
        self.slo = slo
        self.points = points
        self.knee = knee
        self.recommendation = recommendation
    }
}

/// One setting of the service and what it did.
public struct SweepPoint: Codable, Sendable {
    /// Parameter name → value.
    public var values: [String: String]
    /// Why the point could not be measured (the service did not start or never became ready, with the tail
    /// of its output); `nil` when it was.
    public var failure: String?
    /// Capacity mode: the maximum sustainable rate at the SLO.
    public var capacity: Double?
    public var isLowerBound: Bool
    /// Capacity mode: where the capacity lies (the highest rate that passed, the lowest that failed).
    public var capacityInterval: CapacityInterval?
    /// Latency of the measured window: at the fixed rate, or at the capacity's confirmation window.
    public var p50: Double?
    public var p95: Double?
    public var p99: Double?
    public var achievedRate: Double?
    public var errors: UInt64?
    /// Seconds from the service's start until it answered.
    public var readySeconds: Double?
    /// With `--db`: what the database did while the point's load ran.
    public var database: SweepDatabaseFigures?
    /// Figures the caller read from the service around the point's load (the demo: how long audit rows waited).
    public var service: [String: Double]?
    /// Capacity mode: the latencies at the sweep's common rate.
    public var atCommonRate: RateLatency?

    public init(values: [String: String], failure: String? = nil, capacity: Double? = nil, isLowerBound: Bool = false,
                p50: Double? = nil, p95: Double? = nil, p99: Double? = nil, achievedRate: Double? = nil,
                errors: UInt64? = nil, readySeconds: Double? = nil) {
        self.values = values
        self.failure = failure
        self.capacity = capacity
        self.isLowerBound = isLowerBound
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.achievedRate = achievedRate
        self.errors = errors
        self.readySeconds = readySeconds
    }
}

/// The database's work during one sweep point's load (warm-up included): per second, and per request sent,
/// which compares points measured at different rates (a capacity search's).
public struct SweepDatabaseFigures: Codable, Sendable, Equatable {
    /// Seconds of load the figures cover.
    public var seconds: Double
    /// Requests sent in those seconds.
    public var requests: UInt64
    public var transactionsPerSecond: Double
    public var rowsWrittenPerSecond: Double
    public var walBytesPerSecond: Double
    /// pg_stat_statements' calls per second; nil without the extension.
    public var statementsPerSecond: Double?
    /// Client connections open at the end of the load.
    public var connections: Int

    public init(seconds: Double, requests: UInt64, transactionsPerSecond: Double, rowsWrittenPerSecond: Double,
                walBytesPerSecond: Double, statementsPerSecond: Double?, connections: Int) {
        self.seconds = seconds
        self.requests = requests
        self.transactionsPerSecond = transactionsPerSecond
        self.rowsWrittenPerSecond = rowsWrittenPerSecond
        self.walBytesPerSecond = walBytesPerSecond
        self.statementsPerSecond = statementsPerSecond
        self.connections = connections
    }

    /// Transactions per request sent.
    public var transactionsPerRequest: Double? {
        requests > 0 ? transactionsPerSecond * seconds / Double(requests) : nil
    }
}

/// Latencies measured at one fixed rate.
public struct RateLatency: Codable, Sendable, Equatable {
    public var rate: Double
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var achievedRate: Double?
    public var errors: UInt64

    public init(rate: Double, p50: Double, p95: Double, p99: Double, achievedRate: Double?, errors: UInt64) {
        self.rate = rate
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.achievedRate = achievedRate
        self.errors = errors
    }
}
