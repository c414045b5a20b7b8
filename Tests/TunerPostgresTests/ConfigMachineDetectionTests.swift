import Foundation
import Testing
import TunerCore

@testable import TunerPostgres

/// Memory and CPU detection from fixture directories laid out like `/proc` and `/sys/fs/cgroup`.
@Suite struct ConfigMachineDetectionTests {
    /// A throwaway root directory; `files` maps relative paths to contents.
    final class Fixture {
        let root: String

        init(_ files: [String: String]) throws {
            root = NSTemporaryDirectory() + "tuner-machine-\(UUID().uuidString.prefix(8))"
            for (path, content) in files {
                let full = root + "/" + path
                try FileManager.default.createDirectory(
                    atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try content.write(toFile: full, atomically: true, encoding: .utf8)
            }
        }

        func makeDirectory(_ path: String) throws {
            try FileManager.default.createDirectory(atPath: root + "/" + path, withIntermediateDirectories: true)
        }

        var detected: MachineResources? { MachineDetection(root: root).detect() }

        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    /// A 64GB, 16-CPU host.
    static let host = [
        "proc/meminfo": "MemTotal:       67108864 kB\nMemFree:        1000 kB\n",
        "sys/devices/system/cpu/online": "0-15\n",
    ]

    @Test func bareHostWithoutCgroups() throws {
        let fixture = try Fixture(Self.host)
        #expect(fixture.detected == MachineResources(
            memory: .gigabytes(64), memorySource: "/proc/meminfo MemTotal", cpus: 16,
            cpuSource: "/sys/devices/system/cpu/online"))
    }

    @Test func cgroupV2LimitsOfAContainer() throws {
        let fixture = try Fixture(Self.host.merging([
            "proc/self/cgroup": "0::/\n",
            "sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory pids\n",
            "sys/fs/cgroup/memory.max": "4294967296\n",
            "sys/fs/cgroup/cpu.max": "150000 100000\n",
            "sys/fs/cgroup/cpuset.cpus.effective": "0-7\n",
        ]) { $1 })
        let detected = try #require(fixture.detected)
        #expect(detected.memory == .gigabytes(4))
        #expect(detected.memorySource == "cgroup v2 memory.max")
        #expect(detected.cpus == 2)  // 1.5 CPUs of quota, rounded up
        #expect(detected.cpuSource == "cgroup v2 cpu.max")
    }

    @Test func cgroupV2Unlimited() throws {
        let fixture = try Fixture(Self.host.merging([
            "proc/self/cgroup": "0::/\n",
            "sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
            "sys/fs/cgroup/memory.max": "max\n",
            "sys/fs/cgroup/cpu.max": "max 100000\n",
        ]) { $1 })
        let detected = try #require(fixture.detected)
        #expect(detected.memory == .gigabytes(64))
        #expect(detected.cpus == 16)
        #expect(detected.memorySource == "/proc/meminfo MemTotal")
    }

    @Test func cgroupV2NestedTakesTheTightestAncestor() throws {
        let fixture = try Fixture(Self.host.merging([
            "proc/self/cgroup": "0::/kubepods/pod1/app\n",
            "sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
            "sys/fs/cgroup/kubepods/memory.max": "34359738368\n",
            "sys/fs/cgroup/kubepods/pod1/memory.max": "2147483648\n",
            "sys/fs/cgroup/kubepods/pod1/app/memory.max": "max\n",
            "sys/fs/cgroup/kubepods/pod1/cpu.max": "300000 100000\n",
            "sys/fs/cgroup/kubepods/pod1/app/cpu.max": "max 100000\n",
        ]) { $1 })
        let detected = try #require(fixture.detected)
        #expect(detected.memory == .gigabytes(2))
        #expect(detected.cpus == 3)
    }

    @Test func cgroupV1LimitsOfAContainer() throws {
        let fixture = try Fixture(Self.host.merging([
            "proc/self/cgroup": "12:memory:/docker/abc\n5:cpu,cpuacct:/docker/abc\n3:cpuset:/docker/abc\n0::/\n",
            "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "1073741824\n",
            "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "50000\n",
            "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
            "sys/fs/cgroup/cpuset/docker/abc/cpuset.cpus": "0-3\n",
        ]) { $1 })
        let detected = try #require(fixture.detected)
        #expect(detected.memory == .gigabytes(1))
        #expect(detected.memorySource == "cgroup v1 memory.limit_in_bytes")
        #expect(detected.cpus == 1)
        #expect(detected.cpuSource == "cgroup v1 cpu.cfs_quota_us")
    }

    @Test func cgroupV1UnlimitedWithCpusetOnly() throws {
        // A container without its own cgroup namespace sees the host's path, which does not exist below the
        // mount: the mount itself is then the container's cgroup.
        let fixture = try Fixture(Self.host.merging([
            "proc/self/cgroup": "4:memory:/process_api/77096b\n3:cpuset:/\n1:cpu:/\n0::/\n",
            "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
            "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
            "sys/fs/cgroup/cpuset/cpuset.cpus": "0-1,4\n",
        ]) { $1 })
        try fixture.makeDirectory("sys/fs/cgroup/unified")
        let detected = try #require(fixture.detected)
        #expect(detected.memory == .gigabytes(64))
        #expect(detected.cpus == 3)
        #expect(detected.cpuSource == "cgroup v1 cpuset.cpus")
    }

    @Test func limitAboveHostMemoryKeepsTheHost() throws {
        let fixture = try Fixture(Self.host.merging([
            "proc/self/cgroup": "0::/\n",
            "sys/fs/cgroup/cgroup.controllers": "memory\n",
            "sys/fs/cgroup/memory.max": "137438953472\n",
        ]) { $1 })
        #expect(fixture.detected?.memory == .gigabytes(64))
    }

    @Test func cpuinfoWhenTheOnlineListIsMissing() throws {
        let fixture = try Fixture([
            "proc/meminfo": "MemTotal: 2048000 kB\n",
            "proc/cpuinfo": "processor\t: 0\nmodel name\t: x\n\nprocessor\t: 1\nmodel name\t: x\n",
        ])
        #expect(fixture.detected?.cpus == 2)
        #expect(fixture.detected?.memory == .kilobytes(2_048_000))
    }

    @Test func nothingToReadIsNil() throws {
        let fixture = try Fixture(["etc/hostname": "x\n"])
        #expect(fixture.detected == nil)
    }

    @Test func cpuListCounting() {
        #expect(MachineDetection.countCPUList("0-3,8,10-11") == 7)
        #expect(MachineDetection.countCPUList("0") == 1)
        #expect(MachineDetection.countCPUList("3-1") == nil)
        #expect(MachineDetection.countCPUList("") == nil)
    }

    @Test func thisMachineIsDetected() throws {
        let detected = try #require(MachineDetection().detect())
        #expect(detected.cpus >= 1)
        #expect(detected.memory.bytes > 0)
        #expect(detected.cpus <= ProcessInfo.processInfo.processorCount)
        #expect(detected.memory.bytes <= Int64(ProcessInfo.processInfo.physicalMemory))
    }
}
