import NIOCore

/// Flows: iterations that run a workload's steps in order, carrying captured values, the data row and cookies
/// from one step to the next.
///
/// Closed model: each connection slot is a virtual user running iterations back to back (the iteration stays
/// with its slot across reconnects). Open model: the schedule starts iterations; an iteration's later steps join
/// `readySteps` when they become due (after the previous response and its think time) and go out on the next
/// free connection ahead of new iterations, their latency counted from when they became due. Steps that become
/// due after the schedule has ended are not sent.
extension WorkloadRunner {
    /// A new iteration: the setup's values, the next data row (round robin across the loops), an empty jar.
    func newIteration() -> FlowIteration {
        var values = baseValues
        if let rows = workload.flow?.rows, !rows.isEmpty {
            let row = rows[(iterationsStarted * share.count + share.index) % rows.count]
            for (column, value) in row.enumerated() { values[column] = value }
        }
        iterationsStarted += 1
        return FlowIteration(values: values)
    }

    /// Sends `iteration`'s current step on `handler`; `intended` as for a request (0: now).
    func sendStep(of iteration: FlowIteration, intended: UInt64, on handler: HTTPConnection, isLate: Bool = false, isFirst: Bool) {
        handler.iteration = iteration
        send(iteration.step, intended: intended, on: handler, isLate: isLate, isScheduled: isFirst)
    }

    /// A step's response: judged against its expectation, its captures taken, its cookies kept, recorded; then the
    /// iteration goes on to its next step or ends.
    func flowStepCompleted(_ handler: HTTPConnection, iteration: FlowIteration, status: Int, bytes: UInt64, end: UInt64) {
        handler.iteration = nil
        guard let flow = workload.flow else { return }
        let step = flow.steps[iteration.step]
        let name = firstName + iteration.step
        var failure: String?
        var failedCapture: String?
        if step.statuses != nil || step.contains != nil || !step.captures.isEmpty || flow.cookies {
            let response = ResponseInspector(handler.response)
            if let statuses = step.statuses, !statuses.contains(status) {
                failure = "status \(status) (expected \(statuses.map(String.init).joined(separator: " or ")))"
            } else if let contains = step.contains, !response.bodyContains(contains) {
                failure = "the body does not contain '\(step.containsText ?? "")'"
            } else {
                for capture in step.captures {
                    guard let value = response.value(of: capture.source) else {
                        failedCapture = "capture '\(capture.name)' found nothing (\(capture.sourceDescription))"
                        break
                    }
                    iteration.values[capture.slot] = Array(value.utf8)
                }
            }
            if flow.cookies { iteration.store(cookies: response.setCookies) }
        }
        let error: ErrorSlot? = failure != nil ? .expect : ErrorSlot.of(status: status) ?? (failedCapture != nil ? .expect : nil)
        worker.record(
            name: name, start: handler.startNanos, sent: handler.sentNanos, end: end, status: status, error: error,
            bytes: bytes, isOpen: isOpen)
        if let reason = failure ?? failedCapture {
            worker.noteExpectFailure(name: name, reason: reason)
            endIteration(iteration, slot: handler.slot, failure: "step '\(worker.plan.names[name])': \(reason)")
        } else {
            advance(iteration, slot: handler.slot, after: step, end: end)
        }
        if handler.isUsable { connectionIsFree(handler) }
    }

    /// Moves to the next step (due after the step's think time), or finishes the iteration.
    private func advance(_ iteration: FlowIteration, slot: Int, after step: CompiledFlow.Step, end: UInt64) {
        iteration.step += 1
        let think = CompiledFlow.think(step, random: &worker.random)
        guard iteration.step < workload.requests.count else {
            iterationsFinished += 1
            lastValues = iteration.values
            lastFailure = nil
            if !isOpen {
                // The last step's think time, and the workload's between iterations, delay the slot's next one.
                flowBySlot[slot] = nil
                flowResumeAt[slot] = end &+ UInt64(think) &+ UInt64(workload.thinkTimeNanos)
            }
            return
        }
        iteration.dueNanos = end &+ UInt64(think)
        guard isOpen, !hasEnded else { return }  // closed: the slot sends it when its connection is free
        if think == 0 {
            readySteps.append(iteration)
        } else {
            loop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(iteration.dueNanos)) {
                guard !self.hasEnded else { return }
                self.readySteps.append(iteration)
                self.pump(now: NIODeadline.now().uptimeNanoseconds)
            }
        }
    }

    /// Ends an iteration early: its remaining steps are counted as skipped.
    func endIteration(_ iteration: FlowIteration, slot: Int, failure: String) {
        if NIODeadline.now().uptimeNanoseconds >= worker.warmUpEndNanos {
            for step in (iteration.step + 1)..<max(workload.requests.count, iteration.step + 1) {
                worker.stats.names[firstName + step].skipped += 1
            }
        }
        iterationsFinished += 1
        lastValues = iteration.values
        lastFailure = failure
        if !isOpen && slot < flowBySlot.count && flowBySlot[slot] === iteration {
            flowBySlot[slot] = nil
            flowResumeAt[slot] = NIODeadline.now().uptimeNanoseconds &+ UInt64(workload.thinkTimeNanos)
        }
    }

    /// Closed model: the slot's virtual user sends its iteration's next step, or starts a new iteration (after the
    /// last step's think time and the workload's `think_time`).
    func closedFlowConnectionIsFree(_ handler: HTTPConnection) {
        let slot = handler.slot
        let now = NIODeadline.now().uptimeNanoseconds
        let iteration: FlowIteration
        if let current = flowBySlot[slot] {
            iteration = current
        } else {
            if let limit = workload.iterationLimit, iterationsStarted >= limit {
                endWorkload()
                handler.close()
                return
            }
            iteration = newIteration()
            iteration.dueNanos = flowResumeAt[slot]
            flowBySlot[slot] = iteration
        }
        guard iteration.dueNanos > now else {
            sendStep(of: iteration, intended: 0, on: handler, isFirst: iteration.step == 0)
            return
        }
        loop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(iteration.dueNanos)) {
            // A connection lost meanwhile resumes the iteration when it reconnects.
            guard self.flowBySlot[slot] === iteration, handler.isUsable, !handler.isBusy else { return }
            guard !self.hasEnded, handler.slot < self.closedTarget else {
                handler.close()
                return
            }
            self.sendStep(of: iteration, intended: 0, on: handler, isFirst: iteration.step == 0)
        }
    }

    /// Open model: sends iterations' due steps while connections are free, oldest first; a step that waited the
    /// request timeout is a `timeout` and ends its iteration. False while some still wait for a connection.
    func sendReadySteps(now: UInt64) -> Bool {
        while let iteration = readySteps.first {
            if now >= iteration.dueNanos &+ worker.requestTimeoutNanos {
                readySteps.removeFirst()
                worker.record(
                    name: firstName + iteration.step, start: iteration.dueNanos, sent: now, end: now, status: 0,
                    error: .timeout, bytes: 0, isOpen: true)
                endIteration(iteration, slot: -1, failure: "step '\(worker.plan.names[firstName + iteration.step])': timeout")
                continue
            }
            guard let handler = takeIdleConnection() else { return false }
            readySteps.removeFirst()
            sendStep(of: iteration, intended: iteration.dueNanos, on: handler, isFirst: false)
        }
        return true
    }
}
