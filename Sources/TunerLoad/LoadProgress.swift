import TunerCore

/// One second of a running load test, for progress lines and for correlating with other
/// observations (`tuner run` samples the database on the same clock).
public struct LoadProgress: Sendable {
    /// Seconds since the start of the run (warm-up included).
    public var elapsedSeconds: Double
    /// Planned length of the run (warm-up included).
    public var totalSeconds: Double
    public var isWarmUp: Bool
    /// The second just completed: requests, errors, p50/p99 and its histogram.
    public var point: SeriesPoint
    /// Requests completed since the start (warm-up included).
    public var completed: UInt64
    /// Failures since the start (warm-up included).
    public var errors: UInt64
    /// The generator's CPU use in the last second, % of all cores.
    public var generatorCPUPercent: Double
    /// Requests sent and not yet answered, plus (open model) those due and waiting for a connection, at the end of
    /// the second.
    public var inFlight: Int = 0
}
