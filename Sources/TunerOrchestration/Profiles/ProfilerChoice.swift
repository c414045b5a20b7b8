import Foundation

/// The profiler a user names — `auto`, `perf`, `py-spy`, or a Go pprof URL — and the `ServiceProfiler` it gives for a
/// process: `tuner run --profiler/--pprof` and a tune file's `profile:` both choose this way.
public enum ProfilerChoice: Sendable, Equatable {
    /// py-spy for a Python interpreter, perf for everything else.
    case auto
    case perf
    case pySpy
    /// Go's net/http/pprof endpoint.
    case pprof(url: String)

    /// `auto`, `perf`, `py-spy` or an http(s) URL; anything else is `nil`.
    public init?(_ text: String) {
        switch text {
        case "auto": self = .auto
        case "perf": self = .perf
        case "py-spy": self = .pySpy
        default:
            guard text.hasPrefix("http://") || text.hasPrefix("https://") else { return nil }
            self = .pprof(url: text)
        }
    }

    /// Whether it profiles a process (and so needs its pid).
    public var needsProcess: Bool {
        if case .pprof = self { return false }
        return true
    }

    /// The profiler for the service at `pid` (`nil` only for pprof). A launcher shell (`sh -c './server'`) is
    /// followed to the one process it runs: that is what uses the CPU.
    public func profiler(pid: Int32?, say: @escaping @Sendable (String) -> Void = { _ in }) throws(WorkflowError) -> any ServiceProfiler {
        if case .pprof(let url) = self { return try ProfileCollector(url: url) }
        guard let pid else { throw WorkflowError("a \(self == .pySpy ? "py-spy" : "perf") profile needs the service's process id") }
        let target = Self.workingProcess(pid)
        let executable = Self.executableName(target)
        if self == .pySpy || (self == .auto && executable.hasPrefix("python")) {
            var spy = PySpyProfiler(pid: target)
            spy.say = say
            return spy
        }
        return PerfProfiler(pid: target)
    }

    /// `python3.11`, `server`, `dash`: the file name of the process's executable, or empty when it cannot be read.
    static func executableName(_ pid: Int32) -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
        return URL(fileURLWithPath: path).lastPathComponent
    }

    static let shells: Set<String> = ["sh", "dash", "bash", "zsh", "busybox"]

    /// `pid`, or — while it is a shell with exactly one child — that child.
    static func workingProcess(_ pid: Int32) -> Int32 {
        var current = pid
        for _ in 0..<4 where shells.contains(executableName(current)) {
            let children = Self.children(of: current)
            guard children.count == 1 else { break }
            current = children[0]
        }
        return current
    }

    /// The live children of `pid`, from /proc.
    static func children(of pid: Int32) -> [Int32] {
        (ServiceSource.processesByParent()[pid] ?? []).map(\.pid)
    }
}
