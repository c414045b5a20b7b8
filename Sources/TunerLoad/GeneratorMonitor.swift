#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TunerCore

/// Samples the generator's own CPU use each second, so a saturated generator is never mistaken
/// for a slow target.
struct GeneratorMonitor: Sendable {
    let cores: Int
    /// Event loops in use: with fewer loops than cores the generator saturates below 100 %.
    let threads: Int
    private var lastCPU: Double
    private var lastWall: Double
    private(set) var samples: [Double] = []

    init(cores: Int, threads: Int) {
        self.cores = max(cores, 1)
        self.threads = threads
        lastCPU = Self.cpuSeconds()
        lastWall = Self.wallSeconds()
    }

    /// Takes one sample: CPU used since the last one, as a percentage of all cores.
    @discardableResult
    mutating func sample(isMeasured: Bool) -> Double {
        let cpu = Self.cpuSeconds()
        let wall = Self.wallSeconds()
        let percent = wall > lastWall ? (cpu - lastCPU) / (wall - lastWall) / Double(cores) * 100 : 0
        lastCPU = cpu
        lastWall = wall
        if isMeasured { samples.append(percent) }
        return percent
    }

    /// The share of all cores the event loops can use at most (100 % with one loop per core).
    var capacityPercent: Double { Double(min(threads, cores)) / Double(cores) * 100 }

    func stats() -> GeneratorStats {
        let mean = samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count)
        let peak = samples.max() ?? 0
        return GeneratorStats(
            cpuPercentMean: (mean * 10).rounded() / 10, cpuPercentMax: (peak * 10).rounded() / 10, cores: cores,
            maxResidentBytes: Self.maxResidentBytes(), wasBottleneck: mean >= 0.9 * capacityPercent)
    }

    #if os(Linux)
    private static let selfUsage = RUSAGE_SELF.rawValue
    #else
    private static let selfUsage = RUSAGE_SELF
    #endif

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(Self.selfUsage, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func wallSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Peak resident set size in bytes (Linux reports kilobytes, macOS bytes).
    static func maxResidentBytes() -> Int64 {
        var usage = rusage()
        getrusage(Self.selfUsage, &usage)
        #if os(Linux)
        return Int64(usage.ru_maxrss) * 1024
        #else
        return Int64(usage.ru_maxrss)
        #endif
    }
}
