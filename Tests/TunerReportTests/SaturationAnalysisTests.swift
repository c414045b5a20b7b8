import Testing
import TunerCore
@testable import TunerReport

/// The one judgement of what limited a service at its breaking point, from the figures of the last passing and the
/// first failing step: each source alone, and the order when several show something.
struct SaturationAnalysisTests {
    /// `count` once-a-second samples of the service's database sessions.
    static func sessions(_ count: Int, active: Int, idle: Int = 0, waiting: Int = 0) -> [ConnectionSample] {
        (0..<count).map { ConnectionSample(second: $0, active: active, idle: idle, idleInTransaction: 0, waiting: waiting) }
    }

    /// A metered service: `cores` busy in each of `seconds` seconds, on a process that may use `allowed` cores.
    /// `waiting`: its threads' run-queue delay per second, when read.
    static func service(cores: Double, allowed: Double?, waiting: Double? = nil, seconds: Int = 6) -> ServiceUsage {
        let series = (1...seconds).map { ServiceUsage.Point(second: $0, cores: cores, residentBytes: nil) }
        var usage = ServiceUsage(source: "pid 42", cpuSeconds: cores * Double(seconds), requests: 100, wallSeconds: Double(seconds),
                                 coresMax: cores, residentBytesAtStart: nil, residentBytesPeak: nil, series: series,
                                 allowedCores: allowed)
        usage.waitingCores = waiting
        return usage
    }

    static func step(_ rate: Double, sessions: [ConnectionSample] = [], pool: [PoolSample] = [],
                     service: ServiceUsage? = nil) -> SaturationAnalysis.Step {
        .init(offeredRate: rate, run: DatabaseRun(connections: sessions, maxConnections: 100, pool: pool), seconds: 4,
              tempFiles: 0, service: service)
    }

    /// Two database sessions, every one busy at the failing rate and their number flat: the service's pool of two,
    /// with no pool metrics, though the service used a twentieth of a core; the finding says the same.
    @Test func aFlatSetOfBusySessionsIsThePool() throws {
        let judgement = SaturationAnalysis.judge(
            passing: Self.step(90, sessions: Self.sessions(3, active: 1, idle: 1) + Self.sessions(3, active: 2),
                               service: Self.service(cores: 0.04, allowed: 2)),
            failing: Self.step(100, sessions: Self.sessions(6, active: 2), service: Self.service(cores: 0.05, allowed: 2)))
        #expect(judgement.limit == .servicePool, "\(judgement.lines)")
        let first = try #require(judgement.lines.first)
        #expect(first.hasPrefix("at the breaking point (90 → 100 req/s) the limit was the service's connection pool (all 2 of its database sessions busy in 6 of 6 seconds, 2 at both rates"), "\(first)")
        #expect(!first.contains("CPU"))
        #expect(judgement.findings.map(\.id) == ["pool-saturation"])
        #expect(judgement.lines.contains { $0.hasPrefix("the service's CPU: 0.04 → 0.05 cores busy of 2") }, "\(judgement.lines)")
    }

    /// Two sessions, one holding a row lock and the other waiting for it in most seconds: flat and busy, but a lock's
    /// doing — lock waits, not a pool, and no pool finding.
    @Test func aLockThatSerialisesTwoSessionsIsNotAPool() {
        let judgement = SaturationAnalysis.judge(
            passing: Self.step(8, sessions: Self.sessions(4, active: 1, idle: 1)),
            failing: Self.step(9, sessions: Self.sessions(4, active: 1, waiting: 1) + Self.sessions(2, active: 2)))
        #expect(judgement.limit == .lockWaits, "\(judgement.lines)")
        #expect(judgement.findings.map(\.id) == ["lock-waits-during-load"])
        #expect(BusySessionPool(Self.sessions(4, active: 1, waiting: 1) + Self.sessions(2, active: 2)) == nil)
    }

    /// Sessions that open with the load (3 → 9) are not a pool's cap: a slow database, not the pool.
    @Test func sessionsThatGrowWithTheLoadAreNotThePool() {
        let growing = (0..<6).map { ConnectionSample(second: $0, active: 4 + $0, idle: 0, idleInTransaction: 0, waiting: 0) }
        let judgement = SaturationAnalysis.judge(passing: Self.step(50, sessions: Self.sessions(4, active: 3)),
                                                 failing: Self.step(60, sessions: growing))
        #expect(judgement.limit == nil && judgement.findings.isEmpty, "\(judgement.lines)")
        #expect(judgement.lines.first?.contains("the database showed no saturation") == true)
        #expect(judgement.lines.first?.contains("--service-pid") == true, "unmetered: says how to meter")
    }

    /// Sixteen sessions, one running and fifteen behind its row lock, and the pool's metrics full: the lock held the
    /// connections, so it is the limit, and the full pool is said as its consequence.
    @Test func aLockThatFillsThePoolIsNamedBeforeIt() throws {
        let full = (0..<6).map { PoolSample(second: $0, inUse: 16, idle: 0, waiting: 4, size: 16) }
        let judgement = SaturationAnalysis.judge(
            passing: Self.step(9, sessions: Self.sessions(4, active: 1, idle: 2, waiting: 1),
                               pool: (0..<4).map { PoolSample(second: $0, inUse: 3, idle: 13, waiting: 0, size: 16) }),
            failing: Self.step(11, sessions: Self.sessions(6, active: 1, waiting: 15), pool: full))
        #expect(judgement.limit == .lockWaits, "\(judgement.lines)")
        #expect(judgement.lines.first?.contains("the limit was lock waits (up to 15 sessions waiting)") == true)
        #expect(judgement.lines.contains { $0.hasPrefix("the service's pool was full too") })
        #expect(judgement.findings.map(\.id) == ["lock-waits-during-load"])
    }

    /// The same full pool with its sessions running (no lock): the pool, from its metrics.
    @Test func aFullPoolFromItsMetrics() {
        let full = (0..<6).map { PoolSample(second: $0, inUse: 4, idle: 0, waiting: 3, size: 4) }
        let judgement = SaturationAnalysis.judge(
            passing: Self.step(30, sessions: Self.sessions(4, active: 3, idle: 1),
                               pool: (0..<4).map { PoolSample(second: $0, inUse: 3, idle: 1, waiting: 0, size: 4) }),
            failing: Self.step(33, sessions: Self.sessions(6, active: 4), pool: full))
        #expect(judgement.limit == .servicePool)
        #expect(judgement.lines.first?.contains("connection pool (all 4 connections in use, up to 3 requests waiting)") == true)
        #expect(judgement.findings.first?.severity == .critical)
    }

    /// CPU: at the cores the process may use; flat at one core of two (a thread's worth, or Python's lock); half a core
    /// of two is no ceiling.
    @Test func theServicesCPUAtItsCeiling() {
        let all = SaturationAnalysis.judge(passing: Self.step(200, service: Self.service(cores: 1.7, allowed: 2)),
                                           failing: Self.step(220, service: Self.service(cores: 1.95, allowed: 2)))
        #expect(all.limit == .serviceCPU && all.findings.map(\.id) == ["service-cpu-saturation"], "\(all.lines)")
        #expect(all.lines.first?.contains("the service's CPU (1.95 cores busy of 2 it may use)") == true, "\(all.lines)")

        let thread = SaturationAnalysis.judge(passing: Self.step(30, service: Self.service(cores: 0.9, allowed: 2)),
                                              failing: Self.step(34, service: Self.service(cores: 0.98, allowed: 2)))
        #expect(thread.limit == .serviceCPU, "\(thread.lines)")
        #expect(thread.lines.first?.contains("flat at 1 of 2") == true, "\(thread.lines)")

        let idle = SaturationAnalysis.judge(passing: Self.step(30, service: Self.service(cores: 0.4, allowed: 2)),
                                            failing: Self.step(34, service: Self.service(cores: 0.5, allowed: 2)))
        #expect(idle.limit == nil && idle.findings.isEmpty)
        #expect(idle.lines.first?.contains("neither the database nor the service's CPU showed saturation") == true, "\(idle.lines)")
    }

    /// A service that asked for a core and got 0.57 of it, its threads waiting for a core the rest of the time (the
    /// machine's CPUs busy with other work): its CPU is the limit, and the finding says it was starved. The same
    /// figures without the waiting are no ceiling, nor is a little waiting beside an idle CPU.
    @Test func aServiceStarvedOfCPUAsksForWhatItWaitedFor() {
        let starved = SaturationAnalysis.judge(
            passing: Self.step(20, service: Self.service(cores: 0.6, allowed: 2, waiting: 0.3)),
            failing: Self.step(23, service: Self.service(cores: 0.57, allowed: 2, waiting: 0.45)))
        #expect(starved.limit == .serviceCPU, "\(starved.lines)")
        #expect(starved.lines.first?.contains("0.57 cores busy and 0.45 waiting for a core, flat at 1 of 2") == true, "\(starved.lines)")
        #expect(starved.findings.first?.why.contains("got less CPU than it asked for") == true)

        let unread = SaturationAnalysis.judge(passing: Self.step(20, service: Self.service(cores: 0.6, allowed: 2)),
                                              failing: Self.step(23, service: Self.service(cores: 0.57, allowed: 2)))
        #expect(unread.limit == nil, "\(unread.lines)")
        let idle = SaturationAnalysis.judge(
            passing: Self.step(20, service: Self.service(cores: 0.3, allowed: 2, waiting: 0.02)),
            failing: Self.step(23, service: Self.service(cores: 0.35, allowed: 2, waiting: 0.05)))
        #expect(idle.limit == nil, "\(idle.lines)")
        // Starved hard (a clean-clone CI run with builds beside it): 0.145 of a core busy, its threads waiting 1.33;
        // the CPU was the limit. A service whose threads sleep (a downstream call) asks for little and is none.
        let hard = SaturationAnalysis.judge(
            passing: Self.step(2.7, service: Self.service(cores: 0.1, allowed: 2, waiting: 0.9)),
            failing: Self.step(3, service: Self.service(cores: 0.145, allowed: 2, waiting: 1.33)))
        #expect(hard.limit == .serviceCPU && hard.findings.first?.why.contains("got less CPU than it asked for") == true, "\(hard.lines)")
        let sleeping = SaturationAnalysis.judge(
            passing: Self.step(20, service: Self.service(cores: 0.1, allowed: 2, waiting: 0.1)),
            failing: Self.step(23, service: Self.service(cores: 0.15, allowed: 2, waiting: 0.3)))
        #expect(sleeping.limit == nil, "\(sleeping.lines)")
    }

    /// Busy sessions and a busy CPU: the pool's evidence is named first, the CPU after it.
    @Test func thePoolIsNamedBeforeTheCPU() {
        let judgement = SaturationAnalysis.judge(
            passing: Self.step(90, sessions: Self.sessions(4, active: 2), service: Self.service(cores: 1.8, allowed: 2)),
            failing: Self.step(100, sessions: Self.sessions(6, active: 2), service: Self.service(cores: 1.9, allowed: 2)))
        #expect(judgement.limit == .servicePool)
        #expect(judgement.lines.first?.contains("connection pool") == true && judgement.lines.first?.contains("; then the service's CPU") == true,
                "\(judgement.lines)")
        #expect(Set(judgement.findings.map(\.id)) == ["pool-saturation", "service-cpu-saturation"])
    }
}
