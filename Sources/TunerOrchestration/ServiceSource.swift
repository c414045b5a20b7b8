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
        /// Cores the service may use (its CPU affinity, its cgroup's quota when lower); `nil` when the source cannot tell.
        public var allowedCores: Double? = nil
        /// Seconds each live thread has spent runnable but waiting for a CPU (the run queue: the second field of
        /// `/proc/PID/task/TID/schedstat`), by thread id; `nil` when the source cannot tell, as a cgroup or metrics
        /// cannot. A thread that ends takes its figure with it: readings a second apart add up what each showed.
        public var runQueueSeconds: [Int32: Double]? = nil
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
        let parents = processesByParent()
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
        return Reading(cpuSeconds: cpu, residentBytes: stats.reduce(Int64(0)) { $0 + $1.residentPages * page },
                       allowedCores: allowedCores(pid: root), runQueueSeconds: runQueueSeconds(stats.map(\.pid)))
    }

    /// Every live process, by its parent's pid, from /proc.
    static func processesByParent() -> [Int32: [ProcessStat]] {
        var parents: [Int32: [ProcessStat]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = ProcessStat(pid: pid) else { continue }
            parents[stat.parent, default: []].append(stat)
        }
        return parents
    }

    /// The run-queue delay of every live thread of `pids`, in seconds by thread id, or `nil` when the kernel does not
    /// keep it.
    static func runQueueSeconds(_ pids: [Int32]) -> [Int32: Double]? {
        var delays: [Int32: Double] = [:]
        for pid in pids {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] {
                guard let thread = Int32(entry),
                      let data = FileManager.default.contents(atPath: "/proc/\(pid)/task/\(entry)/schedstat") else { continue }
                let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
                guard fields.count >= 2, let delay = Double(fields[1]) else { continue }
                delays[thread] = delay / 1e9
            }
        }
        return delays.isEmpty ? nil : delays
    }

    /// The CPUs a process may run on (`Cpus_allowed_list` in /proc/PID/status), or its cgroup v2 quota when lower.
    static func allowedCores(pid: Int32) -> Double? {
        guard let status = FileManager.default.contents(atPath: "/proc/\(pid)/status").map({ String(decoding: $0, as: UTF8.self) }),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
              let list = line.split(separator: ":").last.map({ $0.trimmingCharacters(in: .whitespaces) })
        else { return nil }
        let affinity = cpuCount(list: list)
        let group = FileManager.default.contents(atPath: "/proc/\(pid)/cgroup").map { String(decoding: $0, as: UTF8.self) }?
            .split(separator: "\n").first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) }
        let quota = group.flatMap { cgroupQuota("/sys/fs/cgroup" + $0) }
        return [affinity, quota].compactMap { $0 }.min()
    }

    /// The number of CPUs in a list such as `0-3,6,8-9`.
    static func cpuCount(list: String) -> Double? {
        var count = 0
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard let first = bounds.first, let last = bounds.last, last >= first else { return nil }
            count += last - first + 1
        }
        return count > 0 ? Double(count) : nil
    }

    /// A cgroup's CPU quota in cores: `cpu.max` (v2: `150000 100000`, or `max` for none) or `cpu.cfs_quota_us` over
    /// `cpu.cfs_period_us` (v1, -1 for none); `nil` without one.
    static func cgroupQuota(_ path: String) -> Double? {
        func contents(_ file: String) -> String? {
            FileManager.default.contents(atPath: "\(path)/\(file)").map {
                String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        if let max = contents("cpu.max") {
            let fields = max.split(separator: " ")
            guard fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]), period > 0 else { return nil }
            return quota / period
        }
        guard let quota = contents("cpu.cfs_quota_us").flatMap(Double.init), quota > 0,
              let period = contents("cpu.cfs_period_us").flatMap(Double.init), period > 0
        else { return nil }
        return quota / period
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
            return Reading(cpuSeconds: usage / 1e6, residentBytes: memory, allowedCores: Self.allowedCores(cgroup: path))
        }
        if let usage = contents("cpuacct.usage").flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            // cgroup v1: nanoseconds in cpuacct.usage; memory in the memory hierarchy's directory of the same name.
            let memoryPath = path.replacingOccurrences(of: "/cpuacct,cpu/", with: "/memory/")
                .replacingOccurrences(of: "/cpu,cpuacct/", with: "/memory/").replacingOccurrences(of: "/cpuacct/", with: "/memory/")
            let memory = FileManager.default.contents(atPath: "\(memoryPath)/memory.usage_in_bytes")
                .flatMap { Int64(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
            return Reading(cpuSeconds: usage / 1e9, residentBytes: memory, allowedCores: Self.allowedCores(cgroup: path))
        }
        throw WorkflowError("\(path) is not a cgroup directory Tuner can read (no cpu.stat or cpuacct.usage)")
    }

    /// A cgroup's quota in cores, else this machine's CPUs (its processes run here).
    static func allowedCores(cgroup path: String) -> Double {
        let machine = Double(ProcessInfo.processInfo.activeProcessorCount)
        return min(cgroupQuota(path) ?? machine, machine)
    }
}
