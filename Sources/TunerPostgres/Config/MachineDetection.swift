import Foundation
import TunerCore

/// Memory and CPUs available to this process, honouring cgroup (v1 and v2) limits: inside a container
/// that is the container's limit, not the host's.
public struct MachineResources: Sendable, Equatable {
    public var memory: ByteSize
    /// Where the memory figure came from: `/proc/meminfo MemTotal`, `cgroup v2 memory.max`, ….
    public var memorySource: String
    public var cpus: Int
    /// Where the CPU count came from: `/sys/devices/system/cpu/online`, `cgroup v1 cpu.cfs_quota_us`, ….
    public var cpuSource: String
}

/// Reads `/proc` and `/sys/fs/cgroup` below a root directory (`/` on a real machine, a fixture directory in tests).
public struct MachineDetection: Sendable {
    public var root: String

    public init(root: String = "/") { self.root = root }

    /// Detects memory and CPUs; `nil` when `/proc/meminfo` or the CPU list cannot be read (not Linux).
    public func detect() -> MachineResources? {
        guard let memory = detectMemory(), let cpus = detectCPUs() else { return nil }
        return MachineResources(memory: memory.size, memorySource: memory.source, cpus: cpus.count,
                                cpuSource: cpus.source)
    }

    /// Limits at or above this are cgroup v1's "unlimited" (a page-rounded `Int64.max`).
    static let unlimitedThreshold: Int64 = 1 << 60

    func detectMemory() -> (size: ByteSize, source: String)? {
        guard let meminfo = read("proc/meminfo"),
              let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
              let kb = Int64(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        var best = (size: ByteSize.kilobytes(kb), source: "/proc/meminfo MemTotal")
        let limit: (bytes: Int64, source: String)?
        if let directories = cgroupDirectories(v1Controller: "memory", v1Mounts: ["memory"]) {
            let file = directories.isV2 ? "memory.max" : "memory.limit_in_bytes"
            limit = smallestLimit(in: directories.paths, file: file).map {
                (bytes: $0, source: "cgroup \(directories.isV2 ? "v2" : "v1") \(file)")
            }
        } else {
            limit = nil
        }
        if let limit, limit.bytes < best.size.bytes {
            best = (ByteSize(bytes: limit.bytes), limit.source)
        }
        return best
    }

    func detectCPUs() -> (count: Int, source: String)? {
        var best: (count: Int, source: String)
        if let online = read("sys/devices/system/cpu/online").flatMap(Self.countCPUList) {
            best = (online, "/sys/devices/system/cpu/online")
        } else if let cpuinfo = read("proc/cpuinfo") {
            let count = cpuinfo.split(separator: "\n").filter { $0.hasPrefix("processor") }.count
            guard count > 0 else { return nil }
            best = (count, "/proc/cpuinfo")
        } else {
            return nil
        }
        if let directories = cgroupDirectories(v1Controller: "cpuset", v1Mounts: ["cpuset"]),
           let leaf = directories.paths.first {
            let file = directories.isV2 ? "cpuset.cpus.effective" : "cpuset.cpus"
            if let count = read(leaf + "/" + file).flatMap(Self.countCPUList), count < best.count {
                best = (count, "cgroup \(directories.isV2 ? "v2" : "v1") \(file)")
            }
        }
        if let quota = cpuQuota(), quota.count < best.count {
            best = quota
        }
        return best
    }

    /// The tightest CFS quota on the way from this process's cgroup to the root, rounded up to whole CPUs.
    func cpuQuota() -> (count: Int, source: String)? {
        guard let directories = cgroupDirectories(v1Controller: "cpu", v1Mounts: ["cpu,cpuacct", "cpu"]) else {
            return nil
        }
        var best: Double?
        for directory in directories.paths {
            var cpus: Double?
            if directories.isV2 {
                let parts = read(directory + "/cpu.max")?.split(separator: " ") ?? []
                if parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]), period > 0 {
                    cpus = quota / period
                }
            } else if let quota = read(directory + "/cpu.cfs_quota_us").flatMap({ Double($0) }),
                      let period = read(directory + "/cpu.cfs_period_us").flatMap({ Double($0) }),
                      quota > 0, period > 0 {
                cpus = quota / period
            }
            if let cpus, cpus > 0 { best = min(best ?? cpus, cpus) }
        }
        guard let best else { return nil }
        let file = directories.isV2 ? "cpu.max" : "cpu.cfs_quota_us"
        return (max(1, Int(best.rounded(.up))), "cgroup \(directories.isV2 ? "v2" : "v1") \(file)")
    }

    /// The smallest numeric limit in `file` across the directories (`max` and v1's huge values mean unlimited).
    func smallestLimit(in directories: [String], file: String) -> Int64? {
        directories.compactMap { read($0 + "/" + file).flatMap { Int64($0) } }
            .filter { $0 > 0 && $0 < Self.unlimitedThreshold }
            .min()
    }

    /// This process's cgroup directory and its ancestors (leaf first) for one controller, relative to `root`.
    ///
    /// cgroup v1 lists the controller by name in `/proc/self/cgroup`; v2 has the single `0::/path` line and
    /// `cgroup.controllers` at the mount. When the listed path does not exist below the mount (a container
    /// without its own cgroup namespace sees the host's path), the mount itself is the container's cgroup.
    func cgroupDirectories(v1Controller: String, v1Mounts: [String]) -> (paths: [String], isV2: Bool)? {
        guard let membership = read("proc/self/cgroup") else { return nil }
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[1].split(separator: ",").contains(Substring(v1Controller)) else {
                continue
            }
            for mount in v1Mounts where isDirectory("sys/fs/cgroup/\(mount)") {
                return (ancestors(of: String(fields[2]), under: "sys/fs/cgroup/\(mount)"), false)
            }
        }
        if let line = membership.split(separator: "\n").first(where: { $0.hasPrefix("0::") }),
           exists("sys/fs/cgroup/cgroup.controllers") {
            return (ancestors(of: String(line.dropFirst(3)), under: "sys/fs/cgroup"), true)
        }
        return nil
    }

    private func ancestors(of path: String, under mount: String) -> [String] {
        var components = path.split(separator: "/").map(String.init)
        guard isDirectory(([mount] + components).joined(separator: "/")) else { return [mount] }
        var directories: [String] = []
        while true {
            directories.append(([mount] + components).joined(separator: "/"))
            if components.isEmpty { return directories }
            components.removeLast()
        }
    }

    /// Counts a kernel CPU list such as `0-3,8,10-11`.
    static func countCPUList(_ text: String) -> Int? {
        var count = 0
        for range in text.split(separator: ",") {
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            switch bounds.count {
            case 1: count += 1
            case 2 where bounds[1] >= bounds[0]: count += bounds[1] - bounds[0] + 1
            default: return nil
            }
        }
        return count > 0 ? count : nil
    }

    private func full(_ relative: String) -> String {
        (root.hasSuffix("/") ? root : root + "/") + relative
    }

    private func read(_ relative: String) -> String? {
        (try? String(contentsOfFile: full(relative), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: full(relative)) }

    private func isDirectory(_ relative: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: full(relative), isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
