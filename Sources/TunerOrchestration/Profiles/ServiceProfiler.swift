import TunerCore

/// Something that can take a CPU profile of the service during the steady part of a load: Go's pprof endpoint
/// (`ProfileCollector`), Linux perf on its process (`PerfProfiler`).
public protocol ServiceProfiler: Sendable {
    /// What is profiled, for the progress line: `http://…/debug/pprof/profile`, `perf on pid 4242`.
    var label: String { get }

    /// Waits until `start` seconds after now, samples for `seconds` (fewer when asked late, so that it ends by `end`
    /// seconds after now, but at least one) and turns the samples into a profile. Failures are one line each.
    func collect(start: Double, seconds: Int, end: Double?) async -> Result<CPUProfile, WorkflowError>

    /// What the service's runtime recorded over the same window beside its CPU (Go's mutex and allocs profiles);
    /// nothing for a profiler that sees only the CPU (perf, py-spy).
    func collectRuntime(start: Double, seconds: Int, end: Double?) async -> RuntimeProfiles
}

/// Go's lock waits and allocations over a profile's window, and why one could not be had.
public struct RuntimeProfiles: Sendable {
    public var locks: CPUProfile?
    public var allocations: CPUProfile?
    public var notes: [String] = []

    public init(locks: CPUProfile? = nil, allocations: CPUProfile? = nil, notes: [String] = []) {
        self.locks = locks
        self.allocations = allocations
        self.notes = notes
    }
}

extension ServiceProfiler {
    public func collectRuntime(start: Double, seconds: Int, end: Double?) async -> RuntimeProfiles { RuntimeProfiles() }

    /// Sleeps until `start` seconds after `origin`; the seconds to sample from when it woke (a busy machine wakes it
    /// late), and when that was, or `nil` when interrupted.
    static func waitForWindow(from origin: ContinuousClock.Instant, start: Double, seconds: Int, end: Double?)
        async -> (asked: Double, seconds: Int)?
    {
        do {
            try await Task.sleep(until: origin + .seconds(start), clock: .continuous)
        } catch {
            return nil
        }
        let asked = (ContinuousClock.now - origin) / .seconds(1)
        return (asked, end.map { max(1, min(seconds, Int(($0 - asked).rounded(.down)))) } ?? seconds)
    }
}
