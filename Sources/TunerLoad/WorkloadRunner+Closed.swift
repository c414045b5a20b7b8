import NIOCore

/// The closed model: each connection sends, waits for the response, (thinks,) sends again; the
/// stages set how many connections are active, ramping linearly.
extension WorkloadRunner {
    func adjustClosedConnections(at elapsed: Double) {
        let total = Int(workload.timeline.level(at: elapsed).rounded())
        closedTarget = min(Self.portion(of: total, share: share), slots.count)
        for slot in 0..<closedTarget where slots[slot].state == .unused || slots[slot].state == .retired {
            connect(slot: slot)
        }
        for slot in closedTarget..<slots.count {
            if let handler = slots[slot].handler, !handler.isBusy { handler.close() }
        }
    }

    func closedConnectionIsFree(_ handler: HTTPConnection) {
        guard !hasEnded, !worker.isAborted, handler.slot < closedTarget else {
            handler.close()
            return
        }
        if workload.flow != nil {
            closedFlowConnectionIsFree(handler)
            return
        }
        let think = workload.thinkTimeNanos
        if think > 0 {
            loop.assumeIsolated().scheduleTask(in: .nanoseconds(think)) {
                guard handler.isUsable, !handler.isBusy, !self.hasEnded, handler.slot < self.closedTarget else {
                    handler.close()
                    return
                }
                self.send(self.workload.pickRequest(using: &self.worker.random), intended: 0, on: handler)
            }
        } else {
            send(workload.pickRequest(using: &worker.random), intended: 0, on: handler)
        }
    }
}
