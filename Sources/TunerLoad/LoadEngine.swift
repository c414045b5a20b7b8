import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TunerCore

/// Runs a load plan on SwiftNIO and returns what was measured.
///
/// One event loop per thread, each with its own connections and histograms; once a second the
/// engine gathers the loops' completed seconds into the series, samples its own CPU use and
/// reports progress. Cancelling the calling task stops the run and still returns the partial result.
public enum LoadEngine {
    /// Runs `plan` to its end, or until the task is cancelled.
    ///
    /// - Parameter progress: called once per second of the run, off the event loops.
    /// - Throws: `LoadError` when the target cannot be resolved or nothing could ever connect to it
    ///   (its `partialResult` then holds what was recorded).
    /// - Parameter checkpoint: when given, called once per second with the result so far (what a long run writes
    ///   as it goes, so that a crash or `kill -9` still leaves every whole second measured).
    public static func run(
        _ plan: LoadPlan, progress: @escaping @Sendable (LoadProgress) -> Void = { _ in },
        checkpoint: (@Sendable (LoadResult) -> Void)? = nil
    ) async throws -> LoadResult {
        let address = try resolve(plan.target, connectTo: plan.scenario.connectTo)
        let tls = plan.tls
        let group = try makeGroup(plan)
        // The workers must outlive the event loops: channels closing during the group's shutdown still
        // call into their runners (which handlers hold unowned, to keep the hot path free of refcounting).
        let keepAlive = NIOLockedValueBox<[NIOLoopBound<LoopWorker>]>([])
        do {
            let result = try await run(
                plan, address: address, tls: tls, group: group, keepAlive: keepAlive, progress: progress,
                checkpoint: checkpoint)
            try? await group.shutdownGracefully()
            keepAlive.withLockedValue { $0.removeAll() }
            return result
        } catch {
            try? await group.shutdownGracefully()
            keepAlive.withLockedValue { $0.removeAll() }
            throw error
        }
    }

    private static func run(
        _ plan: LoadPlan, address: SocketAddress, tls: TLSClient?, group: any EventLoopGroup,
        keepAlive: NIOLockedValueBox<[NIOLoopBound<LoopWorker>]>,
        progress: @escaping @Sendable (LoadProgress) -> Void, checkpoint: (@Sendable (LoadResult) -> Void)?
    ) async throws -> LoadResult {
        let startedAt = Date()
        var workers: [NIOLoopBound<LoopWorker>] = []
        defer { keepAlive.withLockedValue { [workers] in $0 += workers } }
        let base = try await runSetups(plan, address: address, tls: tls, group: group, keepAlive: keepAlive)
        let loops = Array(group.makeIterator())
        for (index, loop) in loops.enumerated() {
            let share = plan.share(loop: index, of: loops.count)
            let seed = UInt64.random(in: 1...UInt64.max)
            workers.append(try await loop.submit {
                let worker = LoopWorker(loop: loop, plan: plan, address: address, tls: tls, share: share, seed: seed)
                for runner in worker.runners { if let values = base[runner.workload.index] { runner.baseValues = values } }
                return NIOLoopBound(worker, eventLoop: loop)
            }.get())
        }
        // The open model's pools connect first (for at most the connect timeout, 2 s at most), then every loop starts
        // on the same time zero, a little ahead.
        for worker in workers { worker.eventLoop.execute { worker.value.openPools() } }
        let settleBy = ContinuousClock.now + min(plan.scenario.connectTimeout, .seconds(2))
        while ContinuousClock.now < settleBy {
            var settled = true
            for worker in workers where !(try await worker.eventLoop.submit { worker.value.arePoolsSettled }.get()) {
                settled = false
            }
            if settled { break }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let (epoch, resumeAt) = Self.timeZero(startAt: plan.startAt)
        for worker in workers { worker.eventLoop.execute { worker.value.start(epoch: epoch, resumeAt: resumeAt) } }

        var collector = SeriesCollector(plan: plan)
        var monitor = GeneratorMonitor(cores: ProcessInfo.processInfo.activeProcessorCount, threads: plan.threads)
        var interruptedAt: Double?
        // Windowed thresholds with abort_on_fail are judged as the seconds come in; one that fails stops the run.
        var judges = plan.scenario.thresholds.filter { $0.windowSeconds != nil && $0.abort != nil }
            .map(ThresholdWindowJudge.init)
        var stopReason: String?
        var second = 0
        while Double(second) < plan.totalSeconds {
            // Wake just after the second ends, so that every loop has rolled it over.
            let wake = epoch + UInt64(second + 1) * 1_000_000_000 + 20_000_000
            let now = NIODeadline.now().uptimeNanoseconds
            do {
                if wake > now { try await Task.sleep(for: .nanoseconds(Int64(wake - now))) }
            } catch {
                let now = NIODeadline.now().uptimeNanoseconds
                interruptedAt = now > epoch ? Double(now - epoch) / 1e9 : 0
                break
            }
            let taken = try await takeSeconds(before: second + 1, from: workers)
            collector.add(taken.seconds)
            let cpu = monitor.sample(isMeasured: Double(second) >= plan.warmUpSeconds, loopCPUSeconds: taken.loopCPU)
            if let point = collector.point(second: second) {
                progress(LoadProgress(
                    elapsedSeconds: Double(second + 1), totalSeconds: plan.totalSeconds,
                    isWarmUp: point.isWarmUp, point: point, completed: collector.completed, errors: collector.errors,
                    generatorCPUPercent: cpu, inFlight: taken.inFlight))
                let measured = Double(second + 1) - plan.warmUpSeconds
                for index in judges.indices {
                    guard let failed = judges[index].add(point), stopReason == nil,
                          measured >= judges[index].threshold.abort?.delaySeconds ?? 0 else { continue }
                    let threshold = judges[index].threshold
                    stopReason = "stopped after \(second + 1)s: '\(threshold.description)' failed in the window"
                        + " \(failed.start)s–\(failed.end)s (\(ThresholdOutcome(threshold: threshold, measured: failed.measured, passed: false).measuredDescription))"
                        + " and aborts on fail; statistics cover the time before"
                }
            }
            second += 1
            if let checkpoint {
                checkpoint(try await snapshot(
                    plan, workers: workers, collector: collector, monitor: monitor, startedAt: startedAt, seconds: second))
            }
            if stopReason != nil {
                interruptedAt = Double(second)
                break
            }
            if let failure = try await unreachable(workers) {
                throw try await unreachableError(
                    plan, failure: failure, workers: workers, collector: collector, monitor: monitor, startedAt: startedAt,
                    seconds: Double(second))
            }
        }
        // A short run can end before its first connections have either connected or failed (a slow handshake): when
        // none ever connected, their outcome decides whether the target was reachable at all, so wait for it. Decide
        // also when they failed after the last second's check without a wait (a starved machine's late second):
        // an empty result without an error would say the target was fine.
        if interruptedAt == nil {
            try await settleFirstConnections(workers, timeout: plan.scenario.connectTimeout)
            if let failure = try await unreachable(workers) {
                throw try await unreachableError(
                    plan, failure: failure, workers: workers, collector: collector, monitor: monitor, startedAt: startedAt,
                    seconds: Double(second))
            }
        }
        // Requests still out when the schedule ends get up to the request timeout to complete.
        let drained = interruptedAt == nil ? try await drain(workers, timeout: plan.scenario.requestTimeout) : false
        return try await finish(
            plan, workers: workers, collector: collector, monitor: monitor, startedAt: startedAt,
            interruptedAt: interruptedAt, abort: !drained, stopReason: stopReason)
    }

    /// The result so far, from the loops' statistics as they stand (the run goes on).
    private static func snapshot(
        _ plan: LoadPlan, workers: [NIOLoopBound<LoopWorker>], collector: SeriesCollector, monitor: GeneratorMonitor,
        startedAt: Date, seconds: Int
    ) async throws -> LoadResult {
        var total = LoopStats(plan: plan)
        for worker in workers { total.add(try await worker.eventLoop.submit { worker.value.stats }.get()) }
        var result = ResultBuilder(plan: plan).build(
            stats: total, series: collector.series, generator: monitor.stats(), startedAt: startedAt, finishedAt: Date(),
            measuredSeconds: max(Double(seconds) - plan.warmUpSeconds, 0), interruptedAt: nil)
        try await recordShard(plan, workers: workers, in: &result)
        result.notes.insert(
            "partial result: written after \(seconds)s of \(Duration.seconds(plan.totalSeconds).shortDescription) while the run"
                + " went on (the finished run replaces it; requests in flight are not in it)", at: 0)
        return result
    }

    /// Gathers the final seconds and statistics from every loop and builds the result.
    private static func finish(
        _ plan: LoadPlan, workers: [NIOLoopBound<LoopWorker>], collector: SeriesCollector, monitor: GeneratorMonitor,
        startedAt: Date, interruptedAt: Double?, abort: Bool, stopReason: String? = nil
    ) async throws -> LoadResult {
        var collector = collector
        var total = LoopStats(plan: plan)
        for worker in workers {
            let (stats, seconds) = try await worker.eventLoop.submit {
                let value = worker.value
                if abort { value.abort() } else { value.stop() }
                return (value.stats, value.takeSeconds(before: .max))
            }.get()
            total.add(stats)
            collector.add(seconds)
        }
        let elapsed = interruptedAt.map { min($0, plan.totalSeconds) } ?? plan.totalSeconds
        var result = ResultBuilder(plan: plan).build(
            stats: total, series: collector.series, generator: monitor.stats(), startedAt: startedAt,
            finishedAt: Date(), measuredSeconds: max(elapsed - plan.warmUpSeconds, 0),
            interruptedAt: interruptedAt, stopReason: stopReason)
        try await recordShard(plan, workers: workers, in: &result)
        return result
    }

    /// Time zero on this machine's monotonic clock, and where the schedule begins: 20 ms ahead for a run of its own;
    /// for a common start time, that moment (converted from the wall clock), or, when it has passed, the moment that
    /// was, with the schedule resumed now.
    static func timeZero(startAt: Date?) -> (epoch: UInt64, resumeAt: Double) {
        let now = NIODeadline.now().uptimeNanoseconds
        guard let startAt else { return (now + 20_000_000, 0) }
        let ahead = startAt.timeIntervalSinceNow
        if ahead >= 0 { return (now + UInt64(ahead * 1e9), 0) }
        let late = min(UInt64(-ahead * 1e9), now)
        return (now - late, Double(late) / 1e9 + 0.02)
    }

    /// A shard's record in its result: its place, its plan, and how long after the common start its loops began.
    private static func recordShard(_ plan: LoadPlan, workers: [NIOLoopBound<LoopWorker>], in result: inout LoadResult) async throws {
        guard plan.startAt != nil || plan.shard != nil else { return }
        var skew: UInt64?
        var skipped = 0
        for worker in workers {
            let (started, skippedHere) = try await worker.eventLoop.submit { (worker.value.startSkewNanos, worker.value.skippedAtStart) }.get()
            if let started { skew = max(skew ?? 0, started) }
            skipped += skippedHere
        }
        let skewMilliseconds = skew.map { Double($0) / 1e6 }
        result.shard = plan.shardRecord
        result.shard?.startSkewMilliseconds = skewMilliseconds
        // Any request not sent is said, however short the delay (a fraction of a second still skips events).
        if let skewMilliseconds, skewMilliseconds >= 1000 || skipped > 0 {
            result.notes.append("started \(Duration.seconds(skewMilliseconds / 1000).shortDescription) after the common start time;"
                + (skipped > 0 ? " the \(skipped) requests due before were not sent" : " the time before is missing from this shard"))
        }
    }

    /// The loops' completed seconds, their threads' CPU time so far (summed), and the requests in flight now.
    private static func takeSeconds(
        before second: Int, from workers: [NIOLoopBound<LoopWorker>]
    ) async throws -> (seconds: [SecondStats], loopCPU: Double, inFlight: Int) {
        var all: [SecondStats] = []
        var cpu = 0.0
        var inFlight = 0
        for worker in workers {
            let (seconds, loopCPU, out) = try await worker.eventLoop.submit {
                (worker.value.takeSeconds(before: second), GeneratorMonitor.threadCPUSeconds(), worker.value.inFlight)
            }.get()
            all += seconds
            cpu += loopCPU
            inFlight += out
        }
        return (all, cpu, inFlight)
    }

    /// Waits for requests still in flight after the schedule ended, at most the request timeout.
    private static func drain(_ workers: [NIOLoopBound<LoopWorker>], timeout: Duration) async throws -> Bool {
        try await poll(within: timeout) {
            for worker in workers where !(try await worker.eventLoop.submit { worker.value.isDrained }.get()) { return false }
            return true
        }
    }

    /// Checks `done` every 20 ms until it holds (true) or the timeout, 200 ms more, has passed (false).
    private static func poll(within timeout: Duration, until done: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout + .milliseconds(200)
        while ContinuousClock.now < deadline {
            if try await done() { return true }
            do { try await Task.sleep(for: .milliseconds(20)) } catch { return false }
        }
        return false
    }

    /// When no connection has been made yet, waits (at most the connect timeout, which bounds a handshake too) until
    /// every connection being set up has connected or failed.
    private static func settleFirstConnections(_ workers: [NIOLoopBound<LoopWorker>], timeout: Duration) async throws {
        _ = try await poll(within: timeout) {
            var established: UInt64 = 0
            var pending = 0
            for worker in workers {
                let (e, p) = try await worker.eventLoop.submit {
                    (worker.value.stats.connections.established, worker.value.setupsPending)
                }.get()
                established += e
                pending += p
            }
            return established > 0 || pending == 0
        }
    }

    /// The error for a target nothing could connect to, carrying what was measured.
    private static func unreachableError(
        _ plan: LoadPlan, failure: (reason: String, kind: ErrorSlot?), workers: [NIOLoopBound<LoopWorker>],
        collector: SeriesCollector, monitor: GeneratorMonitor, startedAt: Date, seconds: Double
    ) async throws -> LoadError {
        let partial = try await finish(
            plan, workers: workers, collector: collector, monitor: monitor, startedAt: startedAt,
            interruptedAt: seconds, abort: true)
        return LoadError("cannot connect to \(plan.target): \(failure.reason)"
            + (failure.kind == .tls ? "" : " — is the service running?"), partialResult: partial)
    }

    /// A reason when no connection has ever been made and every connection tried has failed.
    private static func unreachable(_ workers: [NIOLoopBound<LoopWorker>]) async throws -> (reason: String, kind: ErrorSlot?)? {
        var counters = ConnectionCounters()
        var started = 0
        for worker in workers {
            let (c, s) = try await worker.eventLoop.submit { (worker.value.stats.connections, worker.value.slotsStarted) }.get()
            counters.add(c)
            started += s
        }
        guard counters.established == 0, counters.failed > 0, counters.failed >= UInt64(max(started, 1)) else { return nil }
        return (counters.firstFailure ?? "connection failed", counters.firstFailureKind)
    }

    /// The event loops the plan's transport runs on.
    private static func makeGroup(_ plan: LoadPlan) throws(LoadError) -> any EventLoopGroup {
        #if os(Linux)
        if plan.transport == .epoll {
            do {
                return try EpollLoopGroup(numberOfThreads: plan.threads)
            } catch {
                throw LoadError("cannot start the event loops: \(error)")
            }
        }
        #endif
        return MultiThreadedEventLoopGroup(numberOfThreads: plan.threads)
    }

    /// Resolves where connections go, once, before the run (IPv4 first for `localhost`, as servers commonly
    /// bind it): the target's own host and port, or the first `--connect-to` mapping that applies to them.
    static func resolve(_ target: TargetURL, connectTo: [ConnectTo] = []) throws(LoadError) -> SocketAddress {
        let (host, port) = connectTo.lazy.compactMap { $0.destination(host: target.host, port: target.port) }.first
            ?? (target.host, target.port)
        if let address = try? SocketAddress(ipAddress: host, port: port) { return address }
        do {
            return try SocketAddress.makeAddressResolvingHost(host == "localhost" ? "127.0.0.1" : host, port: port)
        } catch {
            throw LoadError(host == target.host
                ? "cannot resolve host '\(target.host)' of \(target)" : "cannot resolve host '\(host)' of --connect-to")
        }
    }
}
