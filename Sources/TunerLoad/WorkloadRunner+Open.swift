import NIOCore

/// The open model: requests start on the schedule's intended times whatever the target does.
/// A request due while every connection is busy waits (`late`); beyond the in-flight cap it is
/// `dropped`. Latency counts from the intended time, so waiting shows up in it.
extension WorkloadRunner {
    func openPool() {
        for slot in slots.indices { connect(slot: slot) }
    }

    /// Issues every request that is due, then sleeps until the next one.
    func tick() {
        tickScheduled = false
        guard !hasEnded, !worker.isAborted else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let elapsed = worker.seconds(at: now)
        while let due = workload.timeline.time(ofEvent: nextEvent, hint: &scheduleHint) {
            if due > elapsed {
                // Sleep until the next request is due, but at least 50 µs so that a high rate costs
                // one timer per batch, not one per request.
                let deadline = max(worker.nanos(atSeconds: due), now + 50_000)
                tickScheduled = true
                loop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(deadline)) { self.tick() }
                return
            }
            issue(intended: worker.nanos(atSeconds: due))
            nextEvent += Double(share.count)
        }
        endWorkload()
    }

    private func issue(intended: UInt64) {
        let request = workload.pickRequest(using: &worker.random)
        let isMeasured = intended >= worker.warmUpEndNanos
        if isMeasured { worker.stats.schedule.planned += 1 }
        while let slot = idle.popLast() {
            if let handler = slots[slot].handler, handler.isUsable, !handler.isBusy {
                send(request, intended: intended, on: handler)
                return
            }
        }
        var busy = 0
        for slot in slots where slot.handler?.isBusy == true { busy += 1 }
        if busy + queue.count < inFlightCap, queue.push(.init(request: request, intended: intended)) {
            if isMeasured { worker.stats.schedule.late += 1 }
        } else if isMeasured {
            worker.stats.schedule.dropped += 1
        }
    }
}
