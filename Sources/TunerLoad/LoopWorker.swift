import NIOCore
import TunerCore

/// Everything the engine does on one event loop: the workload runners, and the statistics they
/// record into — one histogram set per loop, so recording never crosses threads or takes a lock.
///
/// Confined to its loop: the engine reaches it only through `NIOLoopBound` and `loop.submit`.
final class LoopWorker {
    let loop: any EventLoop
    let plan: LoadPlan
    let address: SocketAddress
    /// Over HTTPS, the run's TLS client; `nil` over plain HTTP.
    let tls: TLSClient?
    #if os(Linux)
    /// The engine's own transport, when this worker runs on it (plain HTTP on Linux); `nil` on NIO.
    let epollLoop: EpollLoop?
    #endif
    let connectTimeoutNanos: Int64
    let requestTimeoutNanos: UInt64
    var random: FastRandom
    var stats: LoopStats
    private(set) var runners: [WorkloadRunner] = []
    /// Time zero of the run, and the end of the warm-up, in `NIODeadline` uptime nanoseconds.
    private(set) var epochNanos: UInt64 = 0
    /// How long after time zero this loop actually began, once it has (a shard's start skew).
    private(set) var startSkewNanos: UInt64?
    /// Open-model events skipped because this loop began after time zero (`start(epoch:resumeAt:)`).
    private(set) var skippedAtStart = 0
    private(set) var warmUpEndNanos: UInt64 = 0
    /// The end of the schedule: responses after it are the drain, outside the measured window.
    private(set) var windowEndNanos: UInt64 = 0
    private(set) var isAborted = false
    private var current: SecondStats
    private var finished: [SecondStats] = []
    private var isStopped = false

    init(
        loop: any EventLoop, plan: LoadPlan, address: SocketAddress, tls: TLSClient?, share: (index: Int, count: Int),
        seed: UInt64
    ) {
        self.loop = loop
        self.plan = plan
        self.address = address
        self.tls = tls
        #if os(Linux)
        epollLoop = loop as? EpollLoop
        #endif
        connectTimeoutNanos = plan.scenario.connectTimeout.nanoseconds
        requestTimeoutNanos = UInt64(plan.scenario.requestTimeout.nanoseconds)
        random = FastRandom(seed: seed)
        stats = LoopStats(plan: plan)
        current = SecondStats(second: 0, names: plan.names.count, keptLatencies: plan.windowedNames)
        if tls != nil { stats.connections.tlsHandshake = .makeLatency() }
        var firstName = 0
        for workload in plan.workloads {
            runners.append(WorkloadRunner(worker: self, workload: workload, share: share, firstName: firstName))
            firstName += workload.requests.count
        }
    }

    /// Opens the open model's connection pools; the engine waits for them (`arePoolsSettled`) before it sets
    /// time zero, so that the first requests find them ready instead of counting as late on a busy machine.
    func openPools() {
        for runner in runners where runner.isOpen { runner.openPool() }
    }

    /// True when no connection of an open-model pool is still being made (each is connected, or failed and waits
    /// to retry).
    var arePoolsSettled: Bool {
        runners.allSatisfy { runner in !runner.isOpen || !runner.slots.contains { $0.state == .connecting } }
    }

    /// Requests out (sent, not answered) plus open-model requests due and waiting for a connection, right now.
    var inFlight: Int {
        let elapsed = seconds(at: NIODeadline.now().uptimeNanoseconds)
        var count = 0
        for runner in runners {
            for slot in runner.slots where slot.handler?.isBusy == true { count += 1 }
            if runner.isOpen { count += runner.waitingCount(elapsed: elapsed) }
        }
        return count
    }

    /// Starts every workload with `epoch` as time zero. A loop that starts late against a common clock (a shard whose
    /// `--start-at` had passed) begins at `resumeAt` seconds: the open schedule's events before it are skipped.
    func start(epoch: UInt64, resumeAt: Double = 0) {
        epochNanos = epoch
        warmUpEndNanos = epoch + UInt64(plan.warmUpSeconds * 1e9)
        windowEndNanos = epoch + UInt64(plan.totalSeconds * 1e9)
        let timeout = plan.scenario.requestTimeout.nanoseconds
        // Often enough that a timeout is noticed within an eighth of it, at most every 25 ms.
        let period = TimeAmount.nanoseconds(max(min(timeout / 8, 25_000_000), 1_000_000))
        let begin = epoch + UInt64(resumeAt * 1e9)
        loop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(begin)) {
            let now = NIODeadline.now().uptimeNanoseconds
            self.startSkewNanos = now > epoch ? now - epoch : 0
            for runner in self.runners where runner.isOpen {
                if resumeAt > 0 { self.skippedAtStart += runner.skipEvents(before: resumeAt) }
                runner.tick()
            }
            self.housekeeping(every: period)
        }
    }

    private func housekeeping(every period: TimeAmount) {
        guard !isStopped else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        for runner in runners { runner.housekeeping(now: now) }
        loop.assumeIsolated().scheduleTask(in: period) { self.housekeeping(every: period) }
    }

    func seconds(at nanos: UInt64) -> Double {
        nanos > epochNanos ? Double(nanos - epochNanos) / 1e9 : 0
    }

    func nanos(atSeconds seconds: Double) -> UInt64 {
        epochNanos + UInt64(seconds * 1e9)
    }

    /// Records one finished request: into the per-second series always, into the statistics when it
    /// started after the warm-up. Transport failures carry no latency (there was no response); a timeout
    /// and an open-model drop do: the user waited that long, so it belongs in the percentiles.
    @inline(__always)
    func record(
        name: Int, start: UInt64, sent: UInt64, end: UInt64, status: Int, error: ErrorSlot?, bytes: UInt64,
        isOpen: Bool
    ) {
        let hasResponse = status > 0
        let hasLatency = hasResponse || error == .timeout || error == .dropped
        let latency = (end &- start) / 1000
        let second = end > epochNanos ? Int((end - epochNanos) / 1_000_000_000) : 0
        if second != current.second { roll(to: second) }
        current.count += 1
        current.nameCounts[name] += 1
        if error != nil {
            current.errors += 1
            current.nameErrors[name] += 1
        }
        if hasLatency {
            current.latency.recordClamped(micros: latency)
            if !current.nameLatency.isEmpty { current.nameLatency[name]?.recordClamped(micros: latency) }
        }
        if hasResponse && end >= warmUpEndNanos && end <= windowEndNanos { stats.names[name].answeredInWindow += 1 }
        guard start >= warmUpEndNanos else { return }
        stats.names[name].count += 1
        stats.names[name].bytes += bytes
        if let error { stats.names[name].errors[error.rawValue] += 1 }
        guard hasLatency else { return }
        stats.names[name].latency.recordClamped(micros: latency)
        guard hasResponse else { return }
        if status < 600 { stats.names[name].statusCounts[status] += 1 }
        if isOpen {
            stats.names[name].service?.recordClamped(micros: (end &- sent) / 1000)
            stats.names[name].sendLag?.recordClamped(micros: (sent &- start) / 1000)
        }
    }

    private func roll(to second: Int) {
        if current.count > 0 { finished.append(current) }
        current = SecondStats(second: second, like: current)
    }

    /// Hands over the completed seconds before `second` (and the current one if it is older).
    func takeSeconds(before second: Int) -> [SecondStats] {
        if current.second < second && current.count > 0 { roll(to: second) }
        let taken = finished.filter { $0.second < second }
        finished.removeAll { $0.second < second }
        return taken
    }

    func noteExpectFailure(name: Int, reason: String) {
        let reasons = stats.names[name].expectReasons
        if reasons.count < NameStats.keptReasons && !reasons.contains(reason) { stats.names[name].expectReasons.append(reason) }
    }

    func notedProtocolProblem(_ problem: String) {
        if stats.connections.firstProtocolProblem == nil { stats.connections.firstProtocolProblem = problem }
    }

    /// True when every workload has ended and nothing is waiting or in flight.
    var isDrained: Bool { runners.allSatisfy { $0.hasEnded && $0.isDrained } }

    /// Connection slots that have been used so far (for the unreachable-target check).
    var slotsStarted: Int { runners.reduce(0) { $0 + $1.slots.filter { $0.state != .unused }.count } }

    /// Connections still connecting (or, over HTTPS, in their handshake).
    var setupsPending: Int { runners.reduce(0) { $0 + $1.slots.filter { $0.state == .connecting }.count } }

    /// Stops everything now; requests in flight are counted as abandoned, not as results.
    func abort() {
        guard !isAborted else { return }
        isAborted = true
        for runner in runners { stats.abandoned += runner.abort() }
        stop()
    }

    /// Stops the periodic work (after the drain, or on abort).
    func stop() {
        isStopped = true
    }
}
