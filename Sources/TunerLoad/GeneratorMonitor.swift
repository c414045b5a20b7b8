#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TunerCore

/// Samples the generator's own CPU use each second, so a saturated generator is never mistaken
/// for a slow target.
///
/// The process's CPU is what the summary shows; whether the generator was the bottleneck is judged on its event
/// loops' own threads (how busy the loops that send and receive were), so that other work in the same process
/// (`tuner run`'s database sampling, or other tests) is not taken for a saturated generator.
struct GeneratorMonitor: Sendable {
    let cores: Int
    /// Event loops in use: with fewer loops than cores the generator saturates below 100 %.
    let threads: Int
    private var lastCPU: Double
    private var lastWall: Double
    private var lastLoopCPU: Double?
    private(set) var samples: [Double] = []
    /// The loops' mean busy share (0...1) per measured second, when the loops' CPU was given.
    private(set) var loopSamples: [Double] = []

    init(cores: Int, threads: Int) {
        self.cores = max(cores, 1)
        self.threads = threads
        lastCPU = Self.cpuSeconds()
        lastWall = Self.wallSeconds()
    }

    /// Takes one sample: CPU used since the last one, as a percentage of all cores.
    @discardableResult
    /// `loopCPUSeconds`: the event loop threads' CPU time so far, summed.
    mutating func sample(isMeasured: Bool, loopCPUSeconds: Double? = nil) -> Double {
        let cpu = Self.cpuSeconds()
        let wall = Self.wallSeconds()
        let percent = wall > lastWall ? (cpu - lastCPU) / (wall - lastWall) / Double(cores) * 100 : 0
        if let loopCPUSeconds, let lastLoopCPU, wall > lastWall, isMeasured {
            loopSamples.append((loopCPUSeconds - lastLoopCPU) / (wall - lastWall) / Double(max(threads, 1)))
        }
        lastLoopCPU = loopCPUSeconds
        lastCPU = cpu
        lastWall = wall
        if isMeasured { samples.append(percent) }
        return percent
    }

    /// CPU time of the calling thread (an event loop samples its own).
    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The share of all cores the event loops can use at most (100 % with one loop per core).
    var capacityPercent: Double { Double(min(threads, cores)) / Double(cores) * 100 }

    func stats() -> GeneratorStats {
        let mean = samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count)
        let peak = samples.max() ?? 0
        return GeneratorStats(
            cpuPercentMean: (mean * 10).rounded() / 10, cpuPercentMax: (peak * 10).rounded() / 10, cores: cores,
            maxResidentBytes: Self.maxResidentBytes(), wasBottleneck: wasBottleneck(processMean: mean))
    }

    /// The loops were busy 90 % of the time (or, without loop samples, the process used 90 % of what the loops can).
    private func wasBottleneck(processMean: Double) -> Bool {
        guard !loopSamples.isEmpty else { return processMean >= 0.9 * capacityPercent }
        return loopSamples.reduce(0, +) / Double(loopSamples.count) >= 0.9
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
