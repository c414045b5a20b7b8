import DemoShopData
import EmbeddedPostgres
import Foundation
import TunerCore
import TunerLoad
import TunerOrchestration
import TunerPostgres

/// The demo's measurements that restart the shop for each setting: two sweeps run with `tuner sweep`'s workflow,
/// the pool size (each value's capacity at the scenario's SLO; the knee is the pool the demo keeps) and the audit
/// buffer's flush interval on the write path (latency, database writes and how long audit rows wait before they
/// are durable, at a fixed rate), which fills seed 002's trade-off table; and the cold start with and without
/// pool pre-warming, with `tuner coldstart`'s workflow.
struct DemoSweeps {
    var shopExecutable: String
    var databaseURL: String
    var database: ConnectionSettings
    var scale: SeedScale
    var say: @Sendable (String) -> Void

    /// The pool sizes measured around the wiki formula's value: half of it (at least 2), it, and twice it.
    static func poolSizes(formula: Int) -> [Int] {
        Array(Set([max(2, formula / 2), formula, formula * 2])).sorted()
    }

    /// The intervals of seed 002's table.
    static let flushIntervals = ["0.5s", "1s", "2s", "5s"]

    /// The shop's capacity at each pool size (prewarmed pools), the knee the recommendation.
    func pool(sizes: [Int], mode: ShopMode, options: CapacitySearch.Options) async throws -> SweepResult {
        let reservation = try FreePort.reserve()  // held until the sweep's end: each start binds it anew
        defer { reservation.release() }
        let port = reservation.port
        let baseURL = "http://127.0.0.1:\(port)"
        let scenario = try ShopScenario.withoutFlows(scale: scale, baseURL: baseURL)
        var workflow = SweepWorkflow(
            scenario: scenario, slo: ShopScenario.capacitySLO, command: command(port: port, mode: mode, extra: "--prewarmed-pool"),
            readyURL: URL(string: baseURL + "/health")!,
            parameters: [.init(name: "SHOP_POOL_SIZE", values: sizes.map(String.init))], measure: .capacity(options))
        workflow.database = database
        workflow.say = { [say] in say("  \($0)") }
        return await workflow.run()
    }

    /// The tuned shop's write path (create-order alone) at `rate` for each flush interval.
    func flushInterval(rate: Double, duration: Duration, warmUp: Duration) async throws -> SweepResult {
        let reservation = try FreePort.reserve()  // held until the sweep's end: each start binds it anew
        defer { reservation.release() }
        let port = reservation.port
        let baseURL = "http://127.0.0.1:\(port)"
        var scenario = try ShopScenario.withoutFlows(scale: scale, baseURL: baseURL)
        scenario.workloads = scenario.workloads.map { workload in
            var workload = workload
            workload.requests = workload.requests.filter { $0.method == "POST" }
            return workload
        }
        guard scenario.workloads.contains(where: { !$0.requests.isEmpty }) else {
            throw WorkflowError("the shop scenario has no write request")
        }
        let writeSLO = scenario.thresholds.filter { threshold in
            threshold.scope == "all" || scenario.workloads.contains { $0.requests.contains { $0.name == threshold.scope } }
        }
        var workflow = SweepWorkflow(
            scenario: scenario, slo: writeSLO, command: command(port: port, mode: .tuned, extra: ""),
            readyURL: URL(string: baseURL + "/health")!,
            parameters: [.init(name: "BUFFER_FLUSH_INTERVAL", values: Self.flushIntervals)],
            measure: .rate(rate, duration: duration, warmUp: warmUp))
        workflow.database = database
        // The interval trades database writes against how long audit rows wait: the shortest interval whose
        // writes are within 5% of the fewest is the one to keep.
        workflow.kneeCriterion = .databaseTransactions
        workflow.say = { [say] in say("  \($0)") }
        let metrics = URL(string: baseURL + "/metrics")!
        workflow.observeService = {
            let before = await AuditWait.read(metrics)
            return {
                let after = await AuditWait.read(metrics)
                return AuditWait.figures(before: before, after: after)
            }
        }
        return await workflow.run()
    }

    /// The shop's cold start with and without its pool pre-warmed (`pool` connections): time to ready and its
    /// first requests to the customer-orders page, 5 starts each (seed 002's "faster first-request latency").
    /// Ready is when `/metrics` answers: `/health` queries the database, so polling it would open the unwarmed
    /// pool's first connection before the first request and hide what pre-warming saves.
    func coldStart(pool: Int, mode: ShopMode) async throws -> ColdStartResult {
        let reservation = try FreePort.reserve()  // held until the sweep's end: each start binds it anew
        defer { reservation.release() }
        let port = reservation.port
        let baseURL = "http://127.0.0.1:\(port)"
        var workflow = ColdStartWorkflow(command: command(port: port, mode: mode, extra: "--pool-size \(pool)"),
                                         readyURL: URL(string: baseURL + "/metrics")!,
                                         targetURL: URL(string: baseURL + "/customers/1/orders")!)
        workflow.parameters = [.init(name: "SHOP_PREWARMED_POOL", values: ["off", "on"])]
        workflow.starts = 5
        workflow.requests = 5
        workflow.say = { [say] in say("  \($0)") }
        return await workflow.run()
    }

    private func command(port: Int, mode: ShopMode, extra: String) -> String {
        "exec \(ServiceProcess.shellQuoted(shopExecutable)) --db \(ServiceProcess.shellQuoted(databaseURL)) --port \(port) --log-level warning "
            + "--mode \(mode.rawValue) \(extra)"
    }
}

/// How long the shop's buffered audit rows waited before their batch committed, from its
/// `demo_shop_audit_durable_wait_seconds` histogram.
enum AuditWait {
    struct Reading {
        var sum: Double
        var count: Double
        var rowsWritten: Double
        var flushes: Double
    }

    static func read(_ url: URL) async -> Reading? {
        guard let samples = try? await MetricsSampler(url: url).scrape() else { return nil }
        func value(_ name: String) -> Double { samples.first { $0.name == name }?.value ?? 0 }
        return Reading(sum: value("demo_shop_audit_durable_wait_seconds_sum"),
                       count: value("demo_shop_audit_durable_wait_seconds_count"),
                       rowsWritten: value("demo_shop_audit_rows_written_total"),
                       flushes: value("demo_shop_audit_flushes_total"))
    }

    /// The mean wait of the rows committed between the readings, and rows per batched INSERT.
    static func figures(before: Reading?, after: Reading?) -> [String: Double] {
        guard let before, let after, after.count > before.count else { return [:] }
        var figures = ["audit wait ms": (after.sum - before.sum) / (after.count - before.count) * 1000]
        if after.flushes > before.flushes {
            figures["audit rows/flush"] = (after.rowsWritten - before.rowsWritten) / (after.flushes - before.flushes)
        }
        return figures
    }
}
