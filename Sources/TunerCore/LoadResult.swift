import Foundation

/// Everything one load run measured: the file `--json` writes, `merge` adds and `report` reads.
public struct LoadResult: Codable, Sendable {
    /// Bumped when a field changes meaning; readers refuse newer versions with a clear message.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    /// `tuner <version>`.
    public var tool: String
    public var startedAt: Date
    public var finishedAt: Date
    /// What was asked for.
    public var configuration: RunConfiguration
    /// All requests together.
    public var overall: RequestStats
    /// One entry per request name, in scenario order.
    public var requests: [RequestStats]
    /// One point per second of the run, warm-up included and marked.
    public var series: [SeriesPoint]
    /// Open model: the schedule against what went out.
    public var schedule: ScheduleStats?
    /// The load generator's own CPU use.
    public var generator: GeneratorStats
    public var thresholds: [ThresholdOutcome]
    /// How many results were merged into this one (1 for a single run).
    public var shards: Int
    /// Things the reader must know: the run was interrupted, the target closed connections, …
    public var notes: [String]
    /// What the database did during the run (`tuner run` only).
    public var database: DatabaseRun?
    /// Findings from the run and the doctor (`tuner run` only).
    public var findings: [Finding]
    /// The capacity search: with `tuner capacity` this result is its confirmation window's; in `tuner demo` the
    /// search that followed this step's fixed-rate run.
    public var capacity: CapacityResult?
    /// How the connections went (opened, failed, connect and TLS handshake times); `nil` in results of older versions.
    public var connections: ConnectionStats?
    /// What the service itself used (`tuner run --service-pid/--service-cgroup`, or its `--metrics`' process figures).
    public var service: ServiceUsage?
    /// A shard of a distributed run (`--shard I/N`): which one, of which plan, and its start against the common clock.
    /// `nil` for a whole run and for a merged one.
    public var shard: ShardRecord?
    /// Where the service spent its CPU during the steady part of the load (`tuner run --pprof URL`).
    public var profile: CPUProfile?
    /// Go's mutex profile over the same window (`--pprof`, when the service records lock waits): the time goroutines
    /// waited for locks, by the stack that released them (the code that held the lock).
    public var lockProfile: CPUProfile?
    /// Go's allocs profile over the same window (`--pprof`): the bytes the service allocated, by the stack.
    public var allocationProfile: CPUProfile?

    public init(
        tool: String, startedAt: Date, finishedAt: Date, configuration: RunConfiguration,
        overall: RequestStats, requests: [RequestStats], series: [SeriesPoint], schedule: ScheduleStats?,
        generator: GeneratorStats, thresholds: [ThresholdOutcome], shards: Int = 1, notes: [String] = [],
        database: DatabaseRun? = nil, findings: [Finding] = []
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.configuration = configuration
        self.overall = overall
        self.requests = requests
        self.series = series
        self.schedule = schedule
        self.generator = generator
        self.thresholds = thresholds
        self.shards = shards
        self.notes = notes
        self.database = database
        self.findings = findings
    }

    /// True when every threshold held.
    public var thresholdsPassed: Bool { thresholds.allSatisfy(\.passed) }
}

/// The run's parameters as recorded in the result (no secrets: header values are not stored).
public struct RunConfiguration: Codable, Sendable {
    public var target: String
    /// `open` or `closed`.
    public var model: String
    public var profile: String?
    public var stages: [Stage]
    /// Closed model: connections at the peak; open model: the connection pool size.
    public var connections: Int
    /// Open model: peak target rate in requests/s.
    public var rate: Double?
    public var durationSeconds: Double
    public var warmUpSeconds: Double
    public var connectTimeoutSeconds: Double
    public var requestTimeoutSeconds: Double
    public var maxInFlight: Int?
    public var eventLoops: Int
    public var requests: [RequestSpec]
    /// Threshold expressions by scope, as written.
    public var thresholds: [String: [String]]
    /// HTTPS: how the certificate was checked; `nil` over plain HTTP.
    public var tls: TLSRecord?
    /// `--connect-to` mappings in effect (`HOST:PORT:ADDRESS:PORT`, curl's form); `nil` when none.
    public var connectTo: [String]?
    /// The engine's transport: `epoll` (its own, plain HTTP on Linux) or `nio`; `nil` in older results.
    public var transport: String?
    /// Open model: how requests were spaced, `uniform` or `poisson` (`mixed` when the workloads differ); `nil` for the
    /// closed model and in older results (which were uniform).
    public var arrivals: String?
    /// Poisson arrivals: the seed of the arrival times (`--seed` repeats them); `nil` otherwise.
    public var seed: UInt64?

    public struct Stage: Codable, Sendable, Equatable {
        public var durationSeconds: Double
        /// Requests/s (open model) or connections (closed model) reached at the end of the stage.
        public var target: Double
        public init(durationSeconds: Double, target: Double) {
            self.durationSeconds = durationSeconds
            self.target = target
        }
    }

    public struct RequestSpec: Codable, Sendable, Equatable {
        public var name: String
        public var method: String
        public var path: String
        public var weight: Int
        /// The flow (its workload's name) when the request is one of a flow's steps: every step of a flow runs once
        /// per iteration, so their counts are equal by construction. `nil` for a weighted mix.
        public var flow: String?
        public init(name: String, method: String, path: String, weight: Int, flow: String? = nil) {
            self.name = name
            self.method = method
            self.path = path
            self.weight = weight
            self.flow = flow
        }
    }

    public init(
        target: String, model: String, profile: String? = nil, stages: [Stage], connections: Int, rate: Double?,
        durationSeconds: Double, warmUpSeconds: Double, connectTimeoutSeconds: Double,
        requestTimeoutSeconds: Double, maxInFlight: Int? = nil, eventLoops: Int, requests: [RequestSpec],
        thresholds: [String: [String]]
    ) {
        self.target = target
        self.model = model
        self.profile = profile
        self.stages = stages
        self.connections = connections
        self.rate = rate
        self.durationSeconds = durationSeconds
        self.warmUpSeconds = warmUpSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.maxInFlight = maxInFlight
        self.eventLoops = eventLoops
        self.requests = requests
        self.thresholds = thresholds
    }
}

/// One second of the run.
public struct SeriesPoint: Codable, Sendable {
    /// Seconds since the start of the run (warm-up included).
    public var second: Int
    public var isWarmUp: Bool
    public var requests: UInt64
    public var errors: UInt64
    public var p50: Double
    public var p99: Double
    /// Open model: the schedule's target rate in this second; closed model: active connections.
    public var target: Double?
    /// The second's latency histogram (compressed V2 base64) so that merged series stay exact.
    public var histogram: String?
    /// The second by request name (the names with a request that completed in it); absent in results written
    /// before names were counted per second.
    public var names: [Name]?

    /// One request name's part of a second: its counts, and its latency histogram when a windowed threshold names
    /// it (`NAME: p99[1m] < 200ms`; only those names are kept, so that the engine records nothing it does not need).
    public struct Name: Codable, Sendable, Equatable {
        public var name: String
        public var requests: UInt64
        public var errors: UInt64
        public var histogram: String?

        public init(name: String, requests: UInt64, errors: UInt64, histogram: String? = nil) {
            self.name = name
            self.requests = requests
            self.errors = errors
            self.histogram = histogram
        }
    }

    public init(second: Int, isWarmUp: Bool, requests: UInt64, errors: UInt64, p50: Double, p99: Double,
                target: Double? = nil, histogram: String? = nil, names: [Name]? = nil) {
        self.second = second
        self.isWarmUp = isWarmUp
        self.requests = requests
        self.errors = errors
        self.p50 = p50
        self.p99 = p99
        self.target = target
        self.histogram = histogram
        self.names = names
    }

    /// This second's part of one scope: the whole second for `all`, the named request's part otherwise (nothing
    /// when none of its requests completed in it).
    public func part(of scope: String) -> (requests: UInt64, errors: UInt64, histogram: String?) {
        if scope == "all" { return (requests, errors, histogram) }
        guard let name = names?.first(where: { $0.name == scope }) else { return (0, 0, nil) }
        return (name.requests, name.errors, name.histogram)
    }
}

/// Open model: what the schedule asked for against what went out.
public struct ScheduleStats: Codable, Sendable {
    /// Requests the schedule planned in the measured window.
    public var planned: UInt64
    /// Requests actually sent in the measured window.
    public var sent: UInt64
    /// Sends that started later than their intended time because every connection was busy.
    public var late: UInt64
    /// Sends not made because the in-flight cap was reached (counted, never silently lost).
    public var dropped: UInt64
    /// Requests that waited for a free connection until the request timeout (counted as timeouts, their waiting
    /// time in the latency); absent in results written before it was counted.
    public var expired: UInt64?
    /// Mean target rate over the measured window, requests/s.
    public var targetRate: Double
    /// Responses per second that arrived inside the measured window (whenever their request started): what
    /// the target kept up with. A backlog answered after the schedule ended is not counted.
    public var achievedRate: Double
    /// The events the schedule's rate asked for in the measured window (its integral over the window, in the same
    /// unit as `planned`: a flow's iterations): under random arrivals `planned` varies around it by chance, so
    /// `planned / expected` is the share of the offered rate the window's draw came to. Absent in older results.
    public var expected: Double?

    public init(planned: UInt64, sent: UInt64, late: UInt64, dropped: UInt64, expired: UInt64? = nil,
                targetRate: Double, achievedRate: Double) {
        self.planned = planned
        self.sent = sent
        self.late = late
        self.dropped = dropped
        self.expired = expired
        self.targetRate = targetRate
        self.achievedRate = achievedRate
    }
}

/// The load generator's own resource use, so a saturated generator is never mistaken for a slow target.
public struct GeneratorStats: Codable, Sendable {
    /// CPU used by the generator process as a percentage of all cores (100 = every core busy).
    public var cpuPercentMean: Double
    public var cpuPercentMax: Double
    public var cores: Int
    /// Peak resident memory in bytes.
    public var maxResidentBytes: Int64?
    /// True when the generator's CPU was near saturation: its numbers understate the target.
    public var wasBottleneck: Bool

    public init(cpuPercentMean: Double, cpuPercentMax: Double, cores: Int, maxResidentBytes: Int64?,
                wasBottleneck: Bool) {
        self.cpuPercentMean = cpuPercentMean
        self.cpuPercentMax = cpuPercentMax
        self.cores = cores
        self.maxResidentBytes = maxResidentBytes
        self.wasBottleneck = wasBottleneck
    }
}
