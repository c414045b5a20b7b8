import NIOCore

/// The open model: requests start on the schedule's intended times whatever the target does.
///
/// A request due while every connection is busy waits (`late`) and goes out, oldest first, when a
/// connection frees up; its latency counts from the intended time, so the waiting shows up in it. A
/// request still waiting when the request timeout has passed since its intended time is a `timeout`
/// with that waiting time recorded. The waiting requests are not stored: they are the schedule's events
/// between `nextEvent` and now, so any stall the timeout allows costs no memory. Only a cap the user set
/// (`--max-in-flight`) drops requests, the oldest first, each recorded with the time it had waited (the
/// least its latency could have been).
extension WorkloadRunner {
    func openPool() {
        for slot in slots.indices { connect(slot: slot) }
    }

    /// The timer's entry: sends whatever is due.
    func tick() {
        tickScheduled = false
        pump(now: NIODeadline.now().uptimeNanoseconds)
    }

    /// Sends due requests while connections are free, expires (or, with a cap, drops) those that waited
    /// too long, and sleeps until the next one is due.
    func pump(now: UInt64) {
        guard !hasEnded, !worker.isAborted else { return }
        let elapsed = worker.seconds(at: now)
        // A flow's iterations in progress go first: their next steps are due, and a new iteration can wait.
        if !readySteps.isEmpty && !sendReadySteps(now: now) {
            isBacklogged = nextDue.map { $0 <= elapsed } ?? false
            if isBacklogged, let cap = inFlightCap { dropBeyond(cap: cap, elapsed: elapsed, now: now) }
            return
        }
        while let due = nextDue {
            if due > elapsed {
                isBacklogged = false
                guard !tickScheduled else { return }
                // Sleep until the next request is due, but at least 50 µs so that a high rate costs
                // one timer per batch, not one per request.
                let deadline = max(worker.nanos(atSeconds: due), now + 50_000)
                tickScheduled = true
                loop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(deadline)) { self.tick() }
                return
            }
            let intended = worker.nanos(atSeconds: due)
            if now >= intended &+ worker.requestTimeoutNanos {
                worker.stats.schedule.expired += intended >= worker.warmUpEndNanos ? 1 : 0
                consumeUnsent(intended: intended, now: now, error: .timeout)
                continue
            }
            if let handler = takeIdleConnection() {
                if workload.flow != nil {
                    sendStep(of: newIteration(), intended: intended, on: handler, isLate: isBacklogged, isFirst: true)
                } else {
                    send(workload.pickRequest(using: &worker.random), intended: intended, on: handler, isLate: isBacklogged)
                }
                advance()
                continue
            }
            isBacklogged = true
            if let cap = inFlightCap { dropBeyond(cap: cap, elapsed: elapsed, now: now) }
            return  // a connection that frees up, or housekeeping, pumps again
        }
        endWorkload()
    }

    /// A free, usable connection from the idle list.
    func takeIdleConnection() -> HTTPConnection? {
        while let slot = idle.popLast() {
            if let handler = slots[slot].handler, handler.isUsable, !handler.isBusy { return handler }
        }
        return nil
    }

    /// Passes over this loop's events due before `seconds` without sending them (a shard that began after the common
    /// start); returns how many.
    func skipEvents(before seconds: Double) -> Int {
        var skipped = 0
        while let due = nextDue, due < seconds {
            advance()
            skipped += 1
        }
        return skipped
    }

    /// Moves on to this loop's next event of the schedule.
    private func advance() {
        schedule?.advance()
    }

    /// Ends the oldest waiting request without sending it: it timed out, failed with its connection, or
    /// was dropped; its waiting time is recorded as its latency.
    func consumeUnsent(intended: UInt64, now: UInt64, error: ErrorSlot) {
        if intended >= worker.warmUpEndNanos { worker.stats.schedule.planned += 1 }
        worker.record(
            name: firstName + workload.pickRequest(using: &worker.random), start: intended, sent: now, end: now,
            status: 0, error: error, bytes: 0, isOpen: true)
        advance()
    }

    /// With a user-set cap: while waiting plus in-flight requests exceed it, the oldest waiting one is dropped.
    private func dropBeyond(cap: Int, elapsed: Double, now: UInt64) {
        var busy = 0
        for slot in slots where slot.handler?.isBusy == true { busy += 1 }
        var excess = busy + waitingCount(elapsed: elapsed) - cap
        while excess > 0, let due = nextDue, due <= elapsed {
            let intended = worker.nanos(atSeconds: due)
            if intended >= worker.warmUpEndNanos { worker.stats.schedule.dropped += 1 }
            consumeUnsent(intended: intended, now: now, error: .dropped)
            excess -= 1
        }
    }

    /// This loop's events that are due by `elapsed` and not yet sent or ended.
    func waitingCount(elapsed: Double) -> Int {
        schedule?.waiting(elapsed: elapsed) ?? 0
    }
}
