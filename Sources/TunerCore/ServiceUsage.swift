import Foundation

/// What the service under load used while Tuner loaded it: its CPU time (overall and per request), its cores
/// and resident memory over time, and an energy and CO2 estimate per request from the CPU time.
///
/// Read from a process tree (`--service-pid`), a cgroup (`--service-cgroup`), or the standard
/// `process_cpu_seconds_total` / `process_resident_memory_bytes` of the service's `--metrics` endpoint.
public struct ServiceUsage: Codable, Sendable, Equatable {
    /// Where the figures came from: `pid 4242 and 3 descendants`, `cgroup /sys/fs/cgroup/…`, `metrics http://…`.
    public var source: String
    /// CPU seconds the service used from the load's start to its end (warm-up and drain included).
    public var cpuSeconds: Double
    /// Every request the load completed in that time (warm-up included): no request straddles either end.
    public var requests: UInt64
    /// The load's length.
    public var wallSeconds: Double
    /// CPU milliseconds per request: `cpuSeconds / requests`.
    public var cpuMillisecondsPerRequest: Double?
    /// Cores busy on average (`cpuSeconds / wallSeconds`) and in the busiest second.
    public var coresMean: Double
    public var coresMax: Double?
    /// Resident memory at the start and its peak during the load, in bytes (`nil` when the source has none).
    public var residentBytesAtStart: Int64?
    public var residentBytesPeak: Int64?
    /// One point per second: cores used in that second and resident bytes at its end.
    public var series: [Point]
    public var energy: EnergyEstimate?
    /// Cores the service may use: the CPUs its process may run on, or its cgroup's CPU quota when lower (`nil` when
    /// the source cannot tell, as a metrics endpoint cannot).
    public var allowedCores: Double?
    /// The service's threads waiting for a CPU, on average over the load (their run-queue delay per second): a
    /// service that wanted more CPU than the machine gave it, its cores busy with other work (`nil`: not read).
    public var waitingCores: Double?

    /// Cores busy in the busier part of the load: the upper quartile of its seconds (the mean when none were read),
    /// so that a warm-up's ramp and a drain's tail do not hide a ceiling the load reached.
    public var busyCores: Double {
        let cores = series.map(\.cores).sorted()
        guard !cores.isEmpty else { return coresMean }
        return cores[min(cores.count - 1, (cores.count * 3) / 4)]
    }

    public struct Point: Codable, Sendable, Equatable {
        public var second: Int
        public var cores: Double
        public var residentBytes: Int64?

        public init(second: Int, cores: Double, residentBytes: Int64?) {
            self.second = second
            self.cores = cores
            self.residentBytes = residentBytes
        }
    }

    /// Energy and CO2 per request, from CPU time alone under stated assumptions: an estimate, labelled as such.
    public struct EnergyEstimate: Codable, Sendable, Equatable {
        /// Watts one fully busy core draws (`--watts-per-core`).
        public var wattsPerBusyCore: Double
        /// Grams of CO2 per kWh of the grid (`--grid-intensity`).
        public var gramsCO2PerKilowattHour: Double
        public var joulesPerRequest: Double
        public var gramsCO2PerRequest: Double

        public init(cpuSecondsPerRequest: Double, wattsPerBusyCore: Double, gramsCO2PerKilowattHour: Double) {
            self.wattsPerBusyCore = wattsPerBusyCore
            self.gramsCO2PerKilowattHour = gramsCO2PerKilowattHour
            joulesPerRequest = cpuSecondsPerRequest * wattsPerBusyCore
            gramsCO2PerRequest = joulesPerRequest / 3.6e6 * gramsCO2PerKilowattHour
        }

        /// The defaults: 12 W per busy server core, a 400 g/kWh grid (roughly the world's mean).
        public static let defaultWattsPerBusyCore = 12.0
        public static let defaultGramsCO2PerKilowattHour = 400.0
    }

    public init(
        source: String, cpuSeconds: Double, requests: UInt64, wallSeconds: Double, coresMax: Double?,
        residentBytesAtStart: Int64?, residentBytesPeak: Int64?, series: [Point],
        wattsPerBusyCore: Double = EnergyEstimate.defaultWattsPerBusyCore,
        gramsCO2PerKilowattHour: Double = EnergyEstimate.defaultGramsCO2PerKilowattHour, allowedCores: Double? = nil
    ) {
        self.allowedCores = allowedCores
        self.source = source
        self.cpuSeconds = cpuSeconds
        self.requests = requests
        self.wallSeconds = wallSeconds
        cpuMillisecondsPerRequest = requests > 0 ? cpuSeconds / Double(requests) * 1000 : nil
        coresMean = wallSeconds > 0 ? cpuSeconds / wallSeconds : 0
        self.coresMax = coresMax
        self.residentBytesAtStart = residentBytesAtStart
        self.residentBytesPeak = residentBytesPeak
        self.series = series
        energy = cpuMillisecondsPerRequest.map {
            EnergyEstimate(cpuSecondsPerRequest: $0 / 1000, wattsPerBusyCore: wattsPerBusyCore,
                           gramsCO2PerKilowattHour: gramsCO2PerKilowattHour)
        }
    }

    /// One line for the summary.
    public var summaryLine: String {
        var line = "service (\(source)): CPU \(NumberFormat.number(cpuSeconds)) s"
        if let perRequest = cpuMillisecondsPerRequest { line += ", \(NumberFormat.millis(perRequest)) per request" }
        line += " · \(NumberFormat.number(coresMean)) cores mean"
        if let coresMax { line += ", \(NumberFormat.number(coresMax)) max" }
        if let peak = residentBytesPeak { line += " · memory peak \(ByteSize(bytes: peak).humanDescription)" }
        if let energy {
            line += " · ≈ \(Self.small(energy.joulesPerRequest)) J and \(Self.small(energy.gramsCO2PerRequest)) g CO2 per request"
                + " (estimate: \(NumberFormat.number(energy.wattsPerBusyCore)) W per busy core,"
                + " \(NumberFormat.number(energy.gramsCO2PerKilowattHour)) g/kWh)"
        }
        return line
    }

    /// Three significant digits, for the small numbers of an estimate (0.0123, 4.56e-06).
    public static func small(_ value: Double) -> String {
        guard value != 0 else { return "0" }
        if value >= 0.001 { return String(format: "%.3g", value) }
        return String(format: "%.2e", value)
    }
}
