import Foundation
import NIOConcurrencyHelpers
import NIOCore
import TunerCore

/// A flow's `setup:` steps, run once before the load on one connection (a login whose token every iteration
/// uses). Its requests are not in the statistics; a step that fails (a 4xx or 5xx, an expectation, a capture, a
/// connection) stops the run before it starts, with the reason.
extension LoadEngine {
    /// Runs every workload's setup; returns, per workload index, the values its iterations start with.
    static func runSetups(
        _ plan: LoadPlan, address: SocketAddress, tls: TLSClient?, group: any EventLoopGroup,
        keepAlive: NIOLockedValueBox<[NIOLoopBound<LoopWorker>]>
    ) async throws -> [Int: [[UInt8]]] {
        var base: [Int: [[UInt8]]] = [:]
        for workload in plan.workloads {
            guard let flow = workload.flow, let setup = flow.setup else { continue }
            let captured = try await runSetup(
                setup, of: workload.name, address: address, tls: tls, group: group, keepAlive: keepAlive)
            var values = Array(repeating: [UInt8](), count: flow.slotCount)
            for (name, slot) in flow.setupSlots { values[slot] = captured[name] ?? [] }
            base[workload.index] = values
        }
        return base
    }

    private static func runSetup(
        _ setup: LoadPlan, of workload: String, address: SocketAddress, tls: TLSClient?, group: any EventLoopGroup,
        keepAlive: NIOLockedValueBox<[NIOLoopBound<LoopWorker>]>
    ) async throws -> [String: [UInt8]] {
        let loop = group.next()
        let worker = try await loop.submit {
            NIOLoopBound(
                LoopWorker(loop: loop, plan: setup, address: address, tls: tls, share: (0, 1), seed: .random(in: 1...UInt64.max)),
                eventLoop: loop)
        }.get()
        keepAlive.withLockedValue { $0.append(worker) }
        loop.execute { worker.value.start(epoch: NIODeadline.now().uptimeNanoseconds) }
        let steps = setup.names.count
        let thinks = setup.workloads.first?.flow?.steps.reduce(Int64(0)) { $0 + $1.thinkUpperNanos } ?? 0
        let limit = setup.scenario.connectTimeout + setup.scenario.requestTimeout * steps + .nanoseconds(thinks) + .seconds(1)
        let deadline = ContinuousClock.now + limit
        let label = "the setup of scenario '\(workload)'"
        while true {
            let (finished, failure, values, stats) = try await loop.submit {
                let runner = worker.value.runners[0]
                return (runner.iterationsFinished, runner.lastFailure, runner.lastValues, worker.value.stats)
            }.get()
            if finished > 0 {
                try await loop.submit { worker.value.abort() }.get()
                if let failure { throw LoadError("\(label) failed at \(failure)") }
                for (index, name) in setup.names.enumerated() {
                    let statuses = stats.names[index].statusCounts
                    if let code = statuses.indices.first(where: { $0 >= 400 && statuses[$0] > 0 }) {
                        throw LoadError("\(label) failed at step '\(name)': status \(code)")
                    }
                }
                var captured: [String: [UInt8]] = [:]
                for (name, slot) in setup.workloads[0].flow?.variables ?? [:] where !name.hasPrefix("data.") {
                    captured[name] = values[slot]
                }
                return captured
            }
            if ContinuousClock.now >= deadline || Task.isCancelled {
                try await loop.submit { worker.value.abort() }.get()
                let reason = stats.connections.firstFailure.map { ": \($0)" } ?? ""
                throw LoadError("\(label) did not finish within \(limit.shortDescription)\(reason)")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
