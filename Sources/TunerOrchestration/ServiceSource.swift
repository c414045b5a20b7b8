import Foundation
import TunerCore

/// Where the service's CPU time and resident memory are read: its process tree, its cgroup, or its own metrics.
public enum ServiceSource: Sendable, Equatable {
    /// A local process and every descendant (`--service-pid`).
    case pid(Int32)
    /// A cgroup directory (`--service-cgroup`): v2 (`cpu.stat`, `memory.current`) or v1 (`cpuacct.usage`, with
    /// `memory.usage_in_bytes` in the memory hierarchy's directory of the same path).
    case cgroup(String)
    /// The service's Prometheus endpoint: `process_cpu_seconds_total`, `process_resident_memory_bytes`.
    case metrics(URL)

    /// One reading: CPU seconds used so far and resident bytes now (`nil` when the source has no memory figure).
    public struct Reading: Sendable {
        public var cpuSeconds: Double
        public var residentBytes: Int64?
    }

    public var description: String {
        switch self {
        case .pid(let pid): "pid \(pid)"
        case .cgroup(let path): "cgroup \(path)"
        case .metrics(let url): "metrics \(url.absoluteString)"
        }
    }

    /// Reads the source now, or says in one line why it cannot.
    func read(scraper: MetricsSampler?) async throws(WorkflowError) -> Reading {
        switch self {
        case .pid(let pid): return try Self.readProcessTree(pid)
        case .cgroup(let path): return try Self.readCgroup(path)
        case .metrics(let url):
            let samples: [PrometheusText.Sample]
            do { samples = try await (scraper ?? MetricsSampler(url: url)).scrape() } catch {
                throw WorkflowError("cannot read the service's metrics at \(url.absoluteString): \(error)")
            }
            guard let cpu = samples.first(where: { $0.name == "process_cpu_seconds_total" })?.value else {
                throw WorkflowError("the metrics at \(url.absoluteString) have no process_cpu_seconds_total (the standard process collector)")
            }
            let rss = samples.first { $0.name == "process_resident_memory_bytes" }.map { Int64($0.value) }
            return Reading(cpuSeconds: cpu, residentBytes: rss)
        }
    }

    // MARK: a process tree

    /// The process and its live descendants: user + system time (and what their exited, waited-for children
    /// used), resident pages.
    static func readProcessTree(_ root: Int32) throws(WorkflowError) -> Reading {
        guard let rootStat = ProcessStat(pid: root) else {
            throw WorkflowError("no process \(root) (--service-pid): it is not running, or not visible here")
        }
        var stats = [rootStat]
        var parents: [Int32: [ProcessStat]] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), pid != root, let stat = ProcessStat(pid: pid) else { continue }
            parents[stat.parent, default: []].append(stat)
        }
        var queue = [root]
        while let next = queue.popLast() {
            for child in parents[next] ?? [] {
                stats.append(child)
                queue.append(child.pid)
            }
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
        // Exited children a process has waited for are in its own c-times; live descendants are counted
        // themselves (their own c-times cover their waited-for children).
        let cpu = stats.reduce(0.0) { $0 + Double($1.userTicks + $1.systemTicks + $1.childUserTicks + $1.childSystemTicks) } / ticks
        return Reading(cpuSeconds: cpu, residentBytes: stats.reduce(Int64(0)) { $0 + $1.residentPages * page })
    }

    /// The fields of `/proc/PID/stat` a reading needs.
    struct ProcessStat {
        let pid: Int32
        let parent: Int32
        let userTicks: Int64
        let systemTicks: Int64
        let childUserTicks: Int64
        let childSystemTicks: Int64
        let residentPages: Int64

        init?(pid: Int32) {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
            let text = String(decoding: data, as: UTF8.self)
            // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
            guard let close = text.lastIndex(of: ")") else { return nil }
            let fields = text[text.index(after: close)...].split(separator: " ")
            // fields[0] is the state (field 3): field n is fields[n - 3].
            guard fields.count > 21, let parent = Int32(fields[1]), let utime = Int64(fields[11]), let stime = Int64(fields[12]),
                  let cutime = Int64(fields[13]), let cstime = Int64(fields[14]), let rss = Int64(fields[21])
            else { return nil }
            self.pid = pid
            self.parent = parent
            userTicks = utime
            systemTicks = stime
            childUserTicks = cutime
            childSystemTicks = cstime
            residentPages = rss
        }
    }

    // MARK: a cgroup

    static func readCgroup(_ path: String) throws(WorkflowError) -> Reading {
        func contents(_ file: String) -> String? {
            FileManager.default.contents(atPath: "\(path)/\(file)").map { String(decoding: $0, as: UTF8.self) }
        }
        if let stat = contents("cpu.stat") {
            // cgroup v2: usage_usec in cpu.stat, memory.current beside it.
            let usage = stat.split(separator: "\n").first { $0.hasPrefix("usage_usec ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
            guard let usage else { throw WorkflowError("\(path)/cpu.stat has no usage_usec") }
            let memory = contents("memory.current").flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return Reading(cpuSeconds: usage / 1e6, residentBytes: memory)
        }
        if let usage = contents("cpuacct.usage").flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            // cgroup v1: nanoseconds in cpuacct.usage; memory in the memory hierarchy's directory of the same name.
            let memoryPath = path.replacingOccurrences(of: "/cpuacct,cpu/", with: "/memory/")
                .replacingOccurrences(of: "/cpu,cpuacct/", with: "/memory/").replacingOccurrences(of: "/cpuacct/", with: "/memory/")
            let memory = FileManager.default.contents(atPath: "\(memoryPath)/memory.usage_in_bytes")
                .flatMap { Int64(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
            return Reading(cpuSeconds: usage / 1e9, residentBytes: memory)
        }
        throw WorkflowError("\(path) is not a cgroup directory Tuner can read (no cpu.stat or cpuacct.usage)")
    }
}
