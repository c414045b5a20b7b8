import DemoShopData
import EmbeddedPostgres
import Foundation
import Testing
import TunerCore
import TunerDemo
import TunerLoad
import TunerPostgres
import TunerReport
import TunerTestSupport

@testable import TunerOrchestration

/// `tuner run`'s workflow against the real demo shop (its own process) on a real cluster.
@Suite(.serialized)
struct RunWorkflowTests {
    /// The shipped scenario, fitted to `scale`, as a short constant-rate run.
    static func plan(scale: SeedScale, shop: ShopProcess, seconds: Int = 8) throws -> LoadPlan {
        var overrides = ScenarioOverrides()
        // A rate the naive shop (pool of 2) holds even on a machine busy with the other suites, and no
        // warm-up, so that no request is split across the first snapshot.
        overrides.rate = 25
        overrides.duration = .seconds(seconds)
        overrides.warmUp = .zero
        var scenario = try Scenario(yaml: ShopScenario.text(scale: scale, baseURL: shop.baseURL))
        // Without the buyers' flow: its my-orders step runs the order-history statement too, a handful of times, which
        // leaves customer-orders' count outside the match when it had few requests (about one run in 200 named the
        // N+1 after another endpoint that happened to be as close).
        scenario.workloads = scenario.workloads.filter { $0.flow == nil }
        // Without the page-size probe: its pages of 200 and 2,000 products are read after the first run by the shop's
        // backends, which publish their counters only when idle for 10 s or on exit, so they would land in the next
        // run's window, which this test starts at once to compare (docs/run.md says so for users).
        for index in scenario.workloads.indices {
            for request in scenario.workloads[index].requests.indices { scenario.workloads[index].requests[request].limitParameter = nil }
        }
        return try LoadPlan(overrides.apply(to: scenario, reshape: true))
    }

    @Test func naiveShopRunFindsTheN1AndTheMissingIndexAndTheFixRemovesIt() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("run_workflow")
            let scale = SeedScale(4)
            try await ShopSeeder.seed(url: url, scale: scale)
            let shop = try await ShopProcess.start(
                executable: try ShopProcess.locateExecutable(), databaseURL: url, environment: ["SHOP_MODE": "naive"])
            do {
                let settings = try ConnectionSettings(url: url)
                var workflow = RunWorkflow(
                    plan: try Self.plan(scale: scale, shop: shop), database: settings,
                    metricsURL: URL(string: shop.baseURL + "/metrics"))
                workflow.checksDatabase = true
                let before = try await workflow.run()

                let database = try #require(before.database)
                #expect(!database.queries.isEmpty)
                #expect(database.queries.allSatisfy { !$0.query.contains("/* tuner */") })
                #expect(!database.connections.isEmpty)
                #expect(!database.pool.isEmpty, "the shop's /metrics names its pool")
                #expect(database.maxConnections == 100)

                let nPlusOne = before.findings.filter { $0.id == "n-plus-one" }
                #expect(!nPlusOne.isEmpty, "naive order history loads each order's lines separately")
                // The planted one: order lines loaded one order at a time, named after its endpoint or not
                // named at all (a busy machine blurs the counts), never after another endpoint.
                let planted = nPlusOne.filter { $0.title.contains("FROM order_items") }
                #expect(!planted.isEmpty, "\(nPlusOne.map(\.title))")
                #expect(planted.allSatisfy { !$0.title.contains(" in ") || $0.title.contains(" in customer-orders:") },
                        "\(planted.map(\.title))")
                let itemsIndex = before.findings.filter {
                    ["missing-index", "missing-fk-index"].contains($0.id) && IndexedColumns($0.object)?.description == "order_items(order_id)"
                }
                #expect(itemsIndex.count == 1, "one finding (not two) for order_items(order_id): \(before.findings.map(\.object))")
                #expect(before.findings.contains { $0.source == "check" }, "tuner db check's findings are included")

                // Apply the finding's own fix, then measure again against the first run.
                let fix = try #require(itemsIndex.first?.fix)
                _ = try await cluster.psql(fix, database: "run_workflow")
                workflow.plan = try Self.plan(scale: scale, shop: shop)
                let after = try await workflow.run()
                #expect(!after.findings.contains { IndexedColumns($0.object)?.description == "order_items(order_id)" },
                        "the applied index is no longer recommended")

                let report = PerformanceReport(result: after, baseline: before, change: fix)
                let comparison = try #require(report.comparison)
                #expect(!comparison.endpoints.isEmpty)
                // A real improvement, judged by the comparison: the order history no longer scans order_items.
                let scanned = try #require(comparison.database.first { $0.name == "rows read by sequential scans per request" })
                #expect(scanned.verdict == .improved, "\(scanned.before) → \(scanned.after)")
                let itemsBefore = try #require(before.database?.tables.first { $0.table == "order_items" })
                let itemsAfter = try #require(after.database?.tables.first { $0.table == "order_items" })
                // The per-order lookups moved to the new index; what still scans the table is the top-products
                // report (an aggregate over all of it, by parallel workers too, so its count varies with the mix).
                #expect(itemsBefore.sequentialScans > itemsAfter.sequentialScans && itemsAfter.indexScans > itemsBefore.indexScans,
                        "order_items scans: seq \(itemsBefore.sequentialScans) → \(itemsAfter.sequentialScans), index \(itemsBefore.indexScans) → \(itemsAfter.indexScans)")
                let directory = NSTemporaryDirectory() + "run-workflow-\(UUID().uuidString.prefix(6))"
                let files = try report.write(to: directory)
                let html = try String(contentsOfFile: files.html, encoding: .utf8)
                #expect(html.contains("customer-orders"))
                let markdown = try String(contentsOfFile: files.markdown, encoding: .utf8)
                #expect(markdown.contains(fix.trimmingCharacters(in: .whitespaces)))
                try? FileManager.default.removeItem(atPath: directory)
            } catch {
                await shop.stop()
                throw error
            }
            await shop.stop()
            #expect(!shop.isRunning)
        }
    }

    @Test func unreachableDatabaseFailsBeforeTheLoad() async throws {
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let settings = try ConnectionSettings(url: "postgres://nobody@127.0.0.1:\(port)/none")
        let scenario = try ScenarioOverrides().scenario(url: "http://127.0.0.1:\(port)/")
        // The database is tried first: its error, not the target's (which is just as unreachable), says
        // that no load ran.
        let error = await #expect(throws: WorkflowError.self) {
            _ = try await RunWorkflow(plan: try LoadPlan(scenario), database: settings).run()
        }
        #expect(error?.description.hasPrefix("cannot observe the database") == true, "\(String(describing: error))")
    }

    @Test func shippedScenarioIsTheEmbeddedOne() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/shop.yaml")
        #expect(try String(contentsOf: file, encoding: .utf8) == ShopScenario.yaml)
        let tiny = ShopScenario.text(scale: .tiny, baseURL: "http://127.0.0.1:9")
        #expect(tiny.contains("target: http://127.0.0.1:9"))
        #expect(tiny.contains("/products/${random:1..50}"))
        #expect(tiny.contains("/customers/${random:1..20}/orders"))
        #expect(!tiny.contains("100000"))
        _ = try Scenario(yaml: tiny)
    }

    @Test func poolFiguresAreReadFromCommonExporters() {
        let text = """
            shop_db_pool_connections{state="in_use"} 3
            shop_db_pool_connections{state="idle"} 1
            shop_db_pool_waiting 7
            shop_db_pool_max_connections 4
            """
        let sample = PoolMetricsReader.sample(PrometheusText.parse(text), second: 2)
        #expect(sample == PoolSample(second: 2, inUse: 3, idle: 1, waiting: 7, size: 4))
        let hikari = PoolMetricsReader.sample(PrometheusText.parse("""
            hikaricp_connections_active{pool="main"} 9
            hikaricp_connections_idle{pool="main"} 1
            hikaricp_connections_pending{pool="main"} 2
            hikaricp_connections_max{pool="main"} 10
            """), second: 0)
        #expect(hikari == PoolSample(second: 0, inUse: 9, idle: 1, waiting: 2, size: 10))
        #expect(PoolMetricsReader.sample(PrometheusText.parse("http_requests_total 5"), second: 0) == nil)
    }
}
