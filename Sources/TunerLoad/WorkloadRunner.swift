import NIOCore
import NIOPosix

/// One workload's share of connections on one event loop: opens them, feeds them requests
/// (closed or open model), and records each outcome into the loop's statistics.
///
/// Confined to its event loop, like its worker and handlers.
final class WorkloadRunner {
    /// Unowned without reference counting, like `HTTPConnection.runner`: the engine keeps the
    /// workers alive until the event loops have shut down.
    unowned(unsafe) let worker: LoopWorker
    let workload: CompiledWorkload
    let isOpen: Bool
    /// This loop's position among the loops, and their number: work is split by index modulo count.
    let share: (index: Int, count: Int)
    /// Workload index offset into the plan's name list.
    let firstName: Int
    var slots: [Slot]
    /// Set once the workload's timeline is over: no new requests start.
    var hasEnded = false

    struct Slot {
        var state = State.unused
        var handler: HTTPConnection?
        /// Consecutive failed connects, for the retry backoff.
        var failures = 0

        enum State { case unused, connecting, connected, retrying, retired }
    }

    var idle: [Int] = []
    /// Open model: this loop's part of the schedule (`nil` for the closed model); every event before `now` from its
    /// position on is waiting for a connection.
    var schedule: ArrivalSchedule?
    /// When the oldest event not yet sent or ended is due (seconds since time zero); `nil` once the schedule is over.
    var nextDue: Double? { schedule?.due }
    var tickScheduled = false
    /// True while due requests wait for a connection: they are sent as connections free up, and count as late.
    var isBacklogged = false
    /// Open model: this loop's share of the user's in-flight cap (waiting plus sent); `nil` when none was set.
    let inFlightCap: Int?
    /// Closed model: how many of this loop's slots should be active now.
    var closedTarget = 0
    // Flows: the closed model's iteration per slot (a virtual user), the open model's iterations whose next step
    // is due and waits for a connection, and what the iterations did.
    var flowBySlot: [FlowIteration?] = []
    /// Closed model: when each slot's next iteration may start.
    var flowResumeAt: [UInt64] = []
    var readySteps = CircularBuffer<FlowIteration>()
    /// The setup's values every new iteration starts with.
    var baseValues: [[UInt8]] = []
    var iterationsStarted = 0
    var iterationsFinished = 0
    /// The last finished iteration's values, and why it ended early if it did (what a setup run reports).
    var lastValues: [[UInt8]] = []
    var lastFailure: String?

    init(worker: LoopWorker, workload: CompiledWorkload, share: (index: Int, count: Int), firstName: Int) {
        self.worker = worker
        self.workload = workload
        self.isOpen = workload.model == .open
        self.share = share
        self.firstName = firstName
        let slotCount = isOpen ? Self.portion(of: workload.connections, share: share)
            : Self.portion(of: Int(workload.timeline.segments.map { max($0.from, $0.to) }.max() ?? 0), share: share)
        slots = Array(repeating: Slot(), count: slotCount)
        inFlightCap = workload.maxInFlight.map { max(Self.portion(of: $0, share: share), 1) }
        schedule = isOpen
            ? ArrivalSchedule(timeline: workload.timeline, arrivals: workload.arrivals, share: share, seed: worker.plan.seed,
                              workload: workload.index)
            : nil
        idle.reserveCapacity(slotCount)
        if let flow = workload.flow {
            flowBySlot = Array(repeating: nil, count: slotCount)
            flowResumeAt = Array(repeating: 0, count: slotCount)
            baseValues = Array(repeating: [], count: flow.slotCount)
        }
    }

    /// This loop's part of `total` when it is split as evenly as possible over the loops.
    static func portion(of total: Int, share: (index: Int, count: Int)) -> Int {
        total > share.index ? (total - share.index + share.count - 1) / share.count : 0
    }

    var loop: any EventLoop { worker.loop }

    // MARK: connections

    func connect(slot: Int) {
        slots[slot].state = .connecting
        worker.stats.connections.attempts += 1
        let tls = worker.tls
        let start = NIODeadline.now().uptimeNanoseconds
        #if os(Linux)
        if let epoll = worker.epollLoop {
            // The engine's own transport (plain HTTP): the socket reports back through the connection.
            let connection = HTTPConnection(runner: self, slot: slot, connectStart: start, isTLS: false)
            EpollConnection.open(to: worker.address, on: epoll, timeoutNanos: worker.connectTimeoutNanos, for: connection)
            return
        }
        #endif
        let bound = NIOLoopBound(self, eventLoop: loop)
        let future = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(worker.connectTimeoutNanos))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(try tls.handler()) }
                    let connection = HTTPConnection(runner: bound.value, slot: slot, connectStart: start, isTLS: tls != nil)
                    try pipeline.addHandler(NIOConnectionHandler(connection))
                }
            }
            .connect(to: worker.address)
        future.assumeIsolated().whenFailure { error in
            self.setupFailed(slot: slot, kind: HTTPConnection.classify(error), reason: Self.describe(error))
        }
    }

    func connected(_ handler: HTTPConnection) {
        worker.stats.connections.established += 1
        slots[handler.slot].handler = handler
        slots[handler.slot].failures = 0
        guard !worker.isAborted else {
            handler.close()
            return
        }
        slots[handler.slot].state = .connected
        connectionIsFree(handler)
    }

    /// A connection could not be made usable: the connect failed, or (over HTTPS) the handshake did.
    func setupFailed(slot: Int, kind: ErrorSlot, reason: String) {
        guard slots[slot].state == .connecting else { return }
        worker.stats.connections.failed += 1
        if worker.stats.connections.firstFailure == nil {
            worker.stats.connections.firstFailure = reason
            worker.stats.connections.firstFailureKind = kind
        }
        slots[slot].failures += 1
        slots[slot].handler = nil
        let now = NIODeadline.now().uptimeNanoseconds
        if isOpen {
            // The oldest waiting request fails with the connection it was waiting for.
            if isBacklogged, !hasEnded, let due = nextDue, due <= worker.seconds(at: now) {
                consumeUnsent(intended: worker.nanos(atSeconds: due), now: now, error: kind)
            }
        } else if !hasEnded && !worker.isAborted {
            // The request this connection was about to send fails with it (in a flow, the iteration's step, which
            // ends the iteration).
            if workload.flow != nil, let iteration = flowBySlot[slot] {
                record(request: iteration.step, start: now, end: now, error: kind)
                endIteration(iteration, slot: slot, failure: "step '\(worker.plan.names[firstName + iteration.step])': \(reason)")
            } else {
                record(request: workload.pickRequest(using: &worker.random), start: now, end: now, error: kind)
            }
        }
        guard wantsConnection(slot: slot) else {
            slots[slot].state = .retired
            return
        }
        slots[slot].state = .retrying
        // Back off so that a refusing target is not hammered in a tight loop: 10 ms doubling to 1 s.
        let delay = Int64(min(10 << min(slots[slot].failures - 1, 7), 1000))
        loop.assumeIsolated().scheduleTask(in: .milliseconds(delay)) {
            if self.slots[slot].state == .retrying {
                if self.wantsConnection(slot: slot) { self.connect(slot: slot) } else { self.slots[slot].state = .retired }
            }
        }
    }

    func disconnected(_ handler: HTTPConnection) {
        guard slots[handler.slot].handler === handler else { return }
        slots[handler.slot].handler = nil
        if isOpen, let position = idle.firstIndex(of: handler.slot) { idle.remove(at: position) }
        if wantsConnection(slot: handler.slot) {
            connect(slot: handler.slot)
        } else {
            slots[handler.slot].state = .retired
        }
    }

    private func wantsConnection(slot: Int) -> Bool {
        guard !worker.isAborted else { return false }
        if isOpen { return !hasEnded }
        return !hasEnded && slot < closedTarget
    }

    // MARK: requests

    /// A connection is ready for a request: give it one, park it, or retire it.
    func connectionIsFree(_ handler: HTTPConnection) {
        if isOpen {
            if hasEnded {
                handler.close()
            } else {
                idle.append(handler.slot)
                if isBacklogged || !readySteps.isEmpty { pump(now: NIODeadline.now().uptimeNanoseconds) }
            }
        } else {
            closedConnectionIsFree(handler)
        }
    }

    func responseCompleted(_ handler: HTTPConnection, status: Int, bytes: UInt64, end: UInt64) {
        if let iteration = handler.iteration {
            flowStepCompleted(handler, iteration: iteration, status: status, bytes: bytes, end: end)
            return
        }
        let error = ErrorSlot.of(status: status)
        worker.record(
            name: firstName + handler.requestIndex, start: handler.startNanos, sent: handler.sentNanos, end: end,
            status: status, error: error, bytes: bytes, isOpen: isOpen)
        if handler.isUsable { connectionIsFree(handler) }
    }

    func requestFailed(_ handler: HTTPConnection, kind: ErrorSlot, bytes: UInt64, end: UInt64) {
        worker.record(
            name: firstName + handler.requestIndex, start: handler.startNanos, sent: handler.sentNanos, end: end,
            status: 0, error: kind, bytes: bytes, isOpen: isOpen)
        if let iteration = handler.iteration {
            handler.iteration = nil
            endIteration(iteration, slot: handler.slot, failure: "step '\(worker.plan.names[firstName + iteration.step])': \(kind.kind.rawValue)")
        }
    }

    /// A request that failed before it was sent (no connection could be made).
    private func record(request: Int, start: UInt64, end: UInt64, error: ErrorSlot) {
        worker.record(
            name: firstName + request, start: start, sent: end, end: end, status: 0, error: error, bytes: 0,
            isOpen: isOpen)
    }

    func send(
        _ request: Int, intended: UInt64, on handler: HTTPConnection, isLate: Bool = false, isScheduled: Bool = true
    ) {
        handler.send(request: request, start: intended)
        if isOpen && isScheduled && intended >= worker.warmUpEndNanos {
            worker.stats.schedule.planned += 1
            worker.stats.schedule.sent += 1
            if isLate { worker.stats.schedule.late += 1 }
        }
    }

    // MARK: timing

    /// Periodic work: timeouts, and the closed model's connection count.
    ///
    /// The request timeout counts from the request's start: its intended time in the open model (a user
    /// gives up that long after asking, however much of it was spent waiting for a connection), its send
    /// in the closed model.
    func housekeeping(now: UInt64) {
        let timeout = worker.requestTimeoutNanos
        for slot in slots.indices {
            if let handler = slots[slot].handler, handler.isBusy, now &- handler.startNanos >= timeout {
                handler.timeOut()
            }
        }
        guard !isOpen else {
            // Waiting requests reach their timeout even while no connection frees up.
            if isBacklogged || !readySteps.isEmpty { pump(now: now) }
            return  // the open model's schedule ends itself (see `pump`)
        }
        let elapsed = worker.seconds(at: now)
        if !hasEnded && elapsed >= workload.timeline.totalSeconds {
            endWorkload()
        } else if !hasEnded {
            adjustClosedConnections(at: elapsed)
        }
    }

    /// No new requests from here on; idle connections close, busy ones after their response.
    func endWorkload() {
        hasEnded = true
        for slot in slots.indices {
            switch slots[slot].state {
            case .connected:
                if let handler = slots[slot].handler, !handler.isBusy { handler.close() }
            case .retrying, .unused:
                slots[slot].state = .retired
            case .connecting, .retired:
                break
            }
        }
        if isOpen { idle.removeAll(keepingCapacity: true) }
    }

    /// True when nothing is waiting or in flight.
    var isDrained: Bool {
        !slots.contains { $0.handler?.isBusy == true }
    }

    /// Closes everything at once (the run was interrupted); returns how many requests were abandoned.
    func abort() -> UInt64 {
        var abandoned: UInt64 = 0
        if isOpen && !hasEnded {
            let waiting = UInt64(waitingCount(elapsed: worker.seconds(at: NIODeadline.now().uptimeNanoseconds)))
            abandoned += waiting
            worker.stats.schedule.planned += waiting
        }
        for slot in slots.indices {
            if let handler = slots[slot].handler {
                if handler.isBusy { abandoned += 1 }
                handler.close()
            }
            slots[slot].state = .retired
        }
        return abandoned
    }

    static func describe(_ error: any Error) -> String {
        switch HTTPConnection.classify(error) {
        case .refused: "connection refused"
        case .connectTimeout: "connect timed out"
        default: "\(error)"
        }
    }
}
