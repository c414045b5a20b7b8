import DemoShopData
import EmbeddedPostgres
import Foundation
import Testing
import TunerCore
import TunerDemo
import TunerTestSupport
@testable import TunerOrchestration

/// `tuner coldstart`'s workflow on the demo shop, with and without its pool pre-warmed: pre-warming opens the pool's
/// connections and loads their backends' catalogs before the shop listens, so the first request pays neither; it
/// is measured faster, and the time moves into the start.
@Suite(.serialized) struct DemoShopColdStartTests {
    @Test func preWarmingTheShopsPoolMakesItsFirstRequestFaster() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("coldstart")
            try await ShopSeeder.seed(url: url, scale: SeedScale(1))
            let reservation = try TestPorts.reserve()
            defer { reservation.release() }
            let port = reservation.port
            let shop = try ShopProcess.locateExecutable()
            // Ready is /metrics: /health queries the database, which would open the unwarmed pool's first connection.
            var workflow = ColdStartWorkflow(
                command: "exec \(ServiceProcess.shellQuoted(shop)) --db \(ServiceProcess.shellQuoted(url)) --port \(port) "
                    + "--log-level warning --mode tuned --pool-size 2",
                readyURL: URL(string: "http://127.0.0.1:\(port)/metrics")!,
                targetURL: URL(string: "http://127.0.0.1:\(port)/customers/1/orders")!)
            workflow.parameters = [.init(name: "SHOP_PREWARMED_POOL", values: ["off", "on"])]
            workflow.starts = 9
            workflow.requests = 4
            let result = await workflow.run()
            let cold = try #require(result.variants.first { $0.name == "SHOP_PREWARMED_POOL=off" })
            let warm = try #require(result.variants.first { $0.name == "SHOP_PREWARMED_POOL=on" })
            #expect(cold.failure == nil && warm.failure == nil, "\(cold.failure ?? "") \(warm.failure ?? "")")
            // Without pre-warming the first request opens a connection (a backend forked, authenticated) and loads its
            // catalogs: milliseconds of the database's CPU, more on a busy machine, never less. A machine busy with other
            // suites adds delays of its own to some starts (seen: 49 ms against 40 ms medians under two CPU hogs), so
            // the fastest start of each is compared: no start without pre-warming can skip that work.
            // The difference is a few milliseconds; a starved CI machine delays every start by tens (seen: fastest
            // 104 ms against 83 ms, both ten times a quiet machine's), which hides it either way. It is compared where
            // the machine let the unwarmed shop's fastest first request stay under 40 ms; the mechanism is checked
            // below on every machine.
            let coldFastest = try #require(cold.starts.compactMap(\.requestMilliseconds.first).min())
            let warmFastest = try #require(warm.starts.compactMap(\.requestMilliseconds.first).min())
            let medians = "medians \(warm.firstRequestMilliseconds ?? 0) and \(cold.firstRequestMilliseconds ?? 0) ms"
            if coldFastest < 40 {
                #expect(warmFastest < coldFastest, "fastest first request \(warmFastest) ms pre-warmed against \(coldFastest) ms (\(medians))")
            }
            // What makes it faster, by construction: when the pre-warmed shop is ready, its pool's connections are
            // already open on the database; the unwarmed shop has none until its first request.
            for (setting, expected) in [("on", 2), ("off", 0)] {
                let service = try ServiceProcess.start(
                    command: workflow.command, environment: ["SHOP_PREWARMED_POOL": setting], logDirectory: NSTemporaryDirectory())
                try await service.waitUntilReady(workflow.readyURL, timeout: .seconds(60))
                let open = try await cluster.psql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = 'coldstart' AND pid <> pg_backend_pid()", database: "coldstart")
                await service.stop(grace: .seconds(2))
                try? FileManager.default.removeItem(atPath: service.logPath)
                #expect(open.trimmingCharacters(in: .whitespacesAndNewlines) == String(expected),
                        "SHOP_PREWARMED_POOL=\(setting): \(open) connections open at ready")
            }
        }
    }
}
