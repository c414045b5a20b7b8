import EmbeddedPostgres
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TunerCore
import TunerLoad
import TunerTestSupport
@testable import TunerOrchestration

/// The service's CPU per request, measured against a Python service that burns a known CPU time per request
/// (`Fixtures/cpu_server.py`), through each source: its process tree (started under a shell, so the CPU is a
/// descendant's), a cgroup it is moved into (where the machine lets a test make one), and its own metrics.
@Suite(.serialized) struct ServiceUsageMeterTests {
    static let burnMilliseconds = 30.0

    /// The shell that runs the server (its pid is the tree's root; Python is its child), and the server's port.
    final class Service {
        let shell: Process
        /// Held while the fixture lives: no other process can take the port before or after the server binds it.
        let reservation: PortReservation
        var port: Int { reservation.port }

        init() async throws {
            reservation = try TestPorts.reserve()
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/cpu_server.py").path
            shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            // `; true` keeps the shell from exec-ing Python: the pid given to the meter is not the one that works.
            shell.arguments = ["-c", "python3 \(script) \(port) \(ServiceUsageMeterTests.burnMilliseconds); true"]
            try shell.run()
            for _ in 0..<100 {
                if (try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)) != nil { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw WorkflowError("the CPU test service did not start")
        }

        /// Python's pid (the shell's child).
        var pythonPID: Int32? {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap(Int32.init).first { ServiceSource.ProcessStat(pid: $0)?.parent == shell.processIdentifier }
        }

        func stop() {
            if let python = pythonPID { kill(python, SIGTERM) }
            shell.terminate()
            shell.waitUntilExit()
        }
    }

    /// A closed-model load of /work on one connection for 8 s after a 1 s warm-up, measured by `source`. A 70 ms
    /// pause between requests keeps the service to about a third of a core: the request count depends little on
    /// how busy the machine is, and the test does not slow the suites running beside it.
    static func measure(_ source: ServiceSource, port: Int) async throws -> (ServiceUsage, LoadResult) {
        let workload = Workload(
            name: "cpu", model: .closed, start: 1, stages: [Stage(duration: .seconds(8), target: 1)], thinkTime: .milliseconds(70),
            requests: [RequestTemplate(name: "work", path: "/work")])
        let plan = try LoadPlan(Scenario(target: "http://127.0.0.1:\(port)", workloads: [workload], warmUp: .seconds(1), threads: 1))
        let session = try await ServiceUsageMeter(source: source).begin()
        let result = try await LoadEngine.run(plan)
        let (usage, notes) = await session.end(requests: result.series.reduce(0) { $0 + $1.requests })
        return (try #require(usage, "\(notes)"), result)
    }

    static func expectTruth(_ usage: ServiceUsage, _ result: LoadResult) {
        #expect(result.overall.errors.isEmpty)
        // About 90 requests (one per 100 ms); on a CI machine busy with other suites the service is starved and
        // answers a fifth of that (seen: 12 in 6 s), still enough CPU time (0.3 s and more) for 10 ms ticks.
        #expect(usage.requests >= 10, "enough requests to measure: \(usage.requests)")
        // 30 ms burnt per request by construction, plus Python's HTTP handling (about a millisecond).
        let perRequest = usage.cpuMillisecondsPerRequest ?? 0
        #expect(perRequest >= burnMilliseconds * 0.95 && perRequest <= burnMilliseconds * 1.1, "\(perRequest) ms per request")
        #expect(usage.coresMean > 0 && usage.coresMean <= 0.5, "30 ms of work per 100 ms: \(usage.coresMean)")
        #expect(!usage.series.isEmpty)
        let energy = try? #require(usage.energy)
        #expect(energy.map { abs($0.joulesPerRequest - perRequest / 1000 * 12) < 1e-9 } == true)
    }

    @Test func aProcessTreeIsMeasuredWithItsDescendants() async throws {
        let service = try await Service()
        defer { service.stop() }
        let (usage, result) = try await Self.measure(.pid(service.shell.processIdentifier), port: service.port)
        Self.expectTruth(usage, result)
        #expect((usage.residentBytesPeak ?? 0) > 5_000_000, "Python's resident memory counts: \(usage.residentBytesPeak ?? 0)")
        #expect(LoadSummary.render({ var r = result; r.service = usage; return r }()).contains("per request"))
    }

    @Test func theMetricsEndpointsProcessFiguresAreASource() async throws {
        let service = try await Service()
        defer { service.stop() }
        let (usage, result) = try await Self.measure(.metrics(URL(string: "http://127.0.0.1:\(service.port)/metrics")!), port: service.port)
        Self.expectTruth(usage, result)
        #expect((usage.residentBytesPeak ?? 0) > 5_000_000)
    }

    /// A cgroup v1 cpuacct directory this test may create (root, a writable hierarchy), or nil.
    static let cgroupParent: String? = {
        for parent in ["/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/cpu,cpuacct"] {
            let probe = "\(parent)/tuner-probe-\(getpid())"
            if mkdir(probe, 0o755) == 0 {
                rmdir(probe)
                return parent
            }
        }
        return nil
    }()

    @Test(.enabled(if: cgroupParent != nil, "needs a cgroup v1 cpuacct hierarchy this test can write"))
    func aCgroupIsASource() async throws {
        let parent = try #require(Self.cgroupParent)
        let service = try await Service()
        defer { service.stop() }
        let group = "\(parent)/tuner-test-\(getpid())"
        #expect(mkdir(group, 0o755) == 0)
        defer {
            // Move the processes back out, then remove the group.
            let procs = (FileManager.default.contents(atPath: "\(group)/cgroup.procs").map { String(decoding: $0, as: UTF8.self) } ?? "")
            for pid in procs.split(separator: "\n") { try? "\(pid)\n".write(toFile: "\(parent)/cgroup.procs", atomically: false, encoding: .utf8) }
            rmdir(group)
        }
        let python = try #require(service.pythonPID)
        try "\(python)\n".write(toFile: "\(group)/cgroup.procs", atomically: false, encoding: .utf8)
        let (usage, result) = try await Self.measure(.cgroup(group), port: service.port)
        Self.expectTruth(usage, result)
    }

    /// `tuner sweep` meters the process tree it started for each point: a service told to burn 10 ms, then 30 ms
    /// per request, is measured at its own figure at each point.
    @Test func aSweepMeasuresEachPointsCPUPerRequest() async throws {
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/cpu_server.py").path
        let workload = Workload(name: "cpu", model: .closed, start: 1, stages: [Stage(duration: .seconds(4), target: 1)],
                                thinkTime: .milliseconds(70), requests: [RequestTemplate(name: "work", path: "/work")])
        let scenario = Scenario(target: "http://127.0.0.1:\(port)", workloads: [workload], threads: 1)
        var sweep = SweepWorkflow(scenario: scenario, slo: [], command: "exec python3 \(script) \(port) {BURN}",
                                  readyURL: URL(string: "http://127.0.0.1:\(port)/health")!,
                                  parameters: [.init(name: "BURN", values: ["10", "30"])],
                                  measure: .rate(10, duration: .seconds(4), warmUp: .zero))
        sweep.say = { _ in }
        let result = await sweep.run()
        #expect(result.points.count == 2)
        for point in result.points {
            let burn = try #require(Double(point.values["BURN"] ?? ""))
            let measured = try #require(point.service?[SweepWorkflow.cpuPerRequest], "\(point)")
            #expect(measured >= burn * 0.95 && measured <= burn * 1.1 + 1, "BURN=\(burn): \(measured) ms per request")
            #expect((point.service?[SweepWorkflow.memoryPeak] ?? 0) > 1, "a Python process has megabytes resident")
        }
    }

    @Test func aSourceThatCannotBeReadFailsBeforeTheLoad() async throws {
        let noProcess = await #expect(throws: WorkflowError.self) { try await ServiceUsageMeter(source: .pid(999_999_999)).begin() }
        #expect(noProcess?.description.contains("no process 999999999") == true)
        let notCgroup = await #expect(throws: WorkflowError.self) { try await ServiceUsageMeter(source: .cgroup("/tmp")).begin() }
        #expect(notCgroup?.description.contains("is not a cgroup directory") == true)
    }
}

/// The cores a service may use: its CPU affinity list, a cgroup's quota when lower.
@Suite struct AllowedCoresTests {
    @Test func theCPUsAListNamesAreCounted() {
        #expect(ServiceSource.cpuCount(list: "0-3,6,8-9") == 7)
        #expect(ServiceSource.cpuCount(list: "0") == 1)
        #expect(ServiceSource.cpuCount(list: "3-1") == nil && ServiceSource.cpuCount(list: "") == nil)
    }

    @Test func aCgroupsQuotaIsReadInCores() throws {
        let directory = LoadBinaryRunner.temporaryPath("cgroup")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "150000 100000\n".write(toFile: directory + "/cpu.max", atomically: true, encoding: .utf8)
        #expect(ServiceSource.cgroupQuota(directory) == 1.5)
        try "max 100000\n".write(toFile: directory + "/cpu.max", atomically: true, encoding: .utf8)
        #expect(ServiceSource.cgroupQuota(directory) == nil)
    }

    /// This test process's own reading: as many cores as its affinity allows, never more than the machine has.
    @Test func aProcessReadingCarriesItsAllowedCores() throws {
        let reading = try ServiceSource.readProcessTree(getpid())
        let allowed = try #require(reading.allowedCores)
        #expect(allowed >= 1 && allowed <= Double(ProcessInfo.processInfo.activeProcessorCount))
    }
}

/// The service's threads waiting for a CPU (their run-queue delay): what a service asked of the CPUs beyond what it got.
@Suite struct RunQueueTests {
    /// Readings a second apart: each thread's growth is counted, a thread first seen later from its start, and one
    /// that ended keeps what it had shown.
    @Test func eachThreadsGrowthIsAddedUp() {
        func reading(_ delays: [Int32: Double]) -> ServiceSource.Reading {
            ServiceSource.Reading(cpuSeconds: 0, residentBytes: nil, runQueueSeconds: delays)
        }
        let readings = [reading([1: 1.0, 2: 5.0]), reading([1: 1.5, 2: 5.0, 3: 0.2]), reading([1: 1.7]), reading([4: 0.1])]
        let waited = try! #require(ServiceUsageMeter.runQueueSeconds(readings))
        #expect(abs(waited - (0.5 + 0.2 + 0.2 + 0.1)) < 1e-9, "\(waited)")
        #expect(ServiceUsageMeter.runQueueSeconds([ServiceSource.Reading(cpuSeconds: 0, residentBytes: nil)]) == nil)
    }

    /// Three busy processes pinned to one CPU, children of one shell: together they use one core, and at every
    /// moment two of them wait for it. The meter reads about two cores waiting: at least 1.2, and at most three (the
    /// machine's other work on that CPU only adds to the wait, up to all three waiting; a clean-clone CI run read 2.29).
    @Test func processesSharingOneCPUWaitForIt() async throws {
        // A parent and two children (each killed when the parent dies), all spinning on CPU 0.
        let script = """
            import ctypes, os
            for _ in range(2):
                if os.fork() == 0:
                    ctypes.CDLL(None).prctl(1, 9)
                    break
            while True:
                pass
            """
        let spinners = Process()
        spinners.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        spinners.arguments = ["-c", "0", "python3", "-c", script]
        try spinners.run()
        defer {
            kill(spinners.processIdentifier, SIGKILL)
            spinners.waitUntilExit()
        }
        try await Task.sleep(for: .milliseconds(500))
        let session = try await ServiceUsageMeter(source: .pid(spinners.processIdentifier)).begin()
        try await Task.sleep(for: .seconds(3))
        let (usage, notes) = await session.end(requests: 1)
        let measured = try #require(usage, "\(notes)")
        let waiting = try #require(measured.waitingCores, "\(measured)")
        #expect(waiting >= 1.2 && waiting <= 3.05, "\(waiting) cores waiting, \(measured.coresMean) busy")
        #expect(measured.coresMean <= 1.1, "\(measured.coresMean)")
    }
}
