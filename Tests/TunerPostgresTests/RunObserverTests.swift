import EmbeddedPostgres
import Foundation
import Testing
import TunerCore

@testable import TunerPostgres

/// The run observation against a real cluster: plant an N+1 workload with full scans, observe it,
/// and check that the deltas and the run findings carry that workload's own numbers.
@Suite(.serialized) struct RunObserverTests {
    @Test func observesPlantedNPlusOneAndSequentialScans() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("observed")
            try await cluster.psql("""
                CREATE TABLE parents (id int PRIMARY KEY, name text);
                CREATE TABLE children (id int PRIMARY KEY, parent_id int REFERENCES parents, payload text);
                INSERT INTO parents SELECT g, 'p' || g FROM generate_series(1, 200) g;
                INSERT INTO children SELECT g, 1 + g % 200, repeat(md5(g::text), 8) FROM generate_series(1, 4000) g;
                CREATE INDEX children_payload_idx ON children (payload);
                ANALYZE;
                """, database: "observed")
            // Earlier traffic that must not be counted: the same statement before the observation.
            try await cluster.psql("SELECT * FROM children WHERE parent_id = 7", database: "observed")
            let requests = 30
            let script = (0..<requests).map { request in
                "SELECT id FROM parents ORDER BY id LIMIT 10 OFFSET \(request);\n"
                    + (1...10).map { "SELECT id, payload FROM children WHERE parent_id = \($0 + request);\n" }.joined()
            }.joined()
            let settings = try ConnectionSettings(url: url)
            let (_, observation) = try await DatabaseSession.withSession(settings) { session in
                try await RunObserver.observe(session, interval: .milliseconds(200)) {
                    try await cluster.psql(script, database: "observed")
                }
            }
            let run = observation.databaseRun(maxConnections: 100)
            let children = try #require(run.queries.first { $0.query.contains("FROM children WHERE parent_id") })
            #expect(children.calls == Int64(requests * 10), "only the calls made during the observation count")
            let childTable = try #require(run.tables.first { $0.table == "children" })
            #expect(childTable.sequentialScans >= Int64(requests * 10))
            #expect(childTable.sequentialRowsRead >= Int64(requests * 10 * 4_000))
            #expect(run.queries.allSatisfy { !$0.query.hasPrefix("/* tuner */") })
            #expect(!run.connections.isEmpty)
            #expect(run.cacheHitRatio != nil)

            // Many more HTTP requests than list queries: only the parent/child signature can find it.
            let load = RunAnalysis.Load(httpRequests: UInt64(requests * 40),
                                        requestsByName: ["list": UInt64(requests), "other": UInt64(requests * 39)],
                                        seconds: 1)
            let findings = RunAnalysis.findings(run, load: load)
            let nPlusOne = try #require(findings.first { $0.id == "n-plus-one" })
            #expect(nPlusOne.object == "queryid \(children.queryID)")
            #expect(nPlusOne.evidence(named: "calls per parent call")?.number == 10)
            #expect(nPlusOne.evidence(named: "endpoint")?.value == "list (\(requests) requests)")
            #expect(nPlusOne.evidence(named: "parent statement")?.value.contains("FROM parents") == true)
            #expect(nPlusOne.fix?.contains("parent_id = ANY($1)") == true)
            let scan = try #require(findings.first { $0.id == "seq-scan-during-load" && $0.object == "public.children" })
            #expect(scan.evidence(named: "rows per scan")?.number == 4_000)
            #expect(findings.contains { $0.id == "index-unused-during-load" && $0.object == "public.children_payload_idx" })
            #expect(!findings.contains { $0.id == "n-plus-one" && $0.title.contains("FROM parents") },
                    "the parent query runs once per request: not an N+1")
        }
    }

    @Test func oneCallPerRequestIsNotAnNPlusOneWhateverListMatchesItsCount() {
        // 20 report calls return 184 rows; the product page reads its reviews once per request, 184 times.
        let report = QueryStats(queryID: "1", query: "SELECT product_id FROM order_items GROUP BY 1 LIMIT $1", calls: 20,
                                totalMilliseconds: 200, meanMilliseconds: 10, rows: 184, sharedBlocksHit: 0,
                                sharedBlocksRead: 0, tempBlocksWritten: 0)
        let reviews = QueryStats(queryID: "2", query: "SELECT rating FROM reviews WHERE product_id = $1", calls: 184,
                                 totalMilliseconds: 9, meanMilliseconds: 0.05, rows: 184, sharedBlocksHit: 0,
                                 sharedBlocksRead: 0, tempBlocksWritten: 0)
        let run = DatabaseRun(queries: [report, reviews])
        let product = RunAnalysis.Load(httpRequests: 300, requestsByName: ["report": 20, "product": 184, "list": 96],
                                       seconds: 10)
        #expect(!RunAnalysis.findings(run, load: product).contains { $0.id == "n-plus-one" })
        // The same shape without a matching endpoint is the classic N+1 (one call per report row).
        let noProduct = RunAnalysis.Load(httpRequests: 300, requestsByName: ["report": 20, "list": 280], seconds: 10)
        #expect(RunAnalysis.findings(run, load: noProduct).contains { $0.id == "n-plus-one" && $0.title.contains("in report") })
        // An endpoint merely near the child's calls loses to a parent whose rows match them exactly.
        let near = RunAnalysis.Load(httpRequests: 300, requestsByName: ["report": 20, "product": 193, "list": 87],
                                    seconds: 10)
        #expect(RunAnalysis.findings(run, load: near).contains { $0.id == "n-plus-one" })
    }

    /// An endpoint whose count equals the child's calls exactly, as the parent's rows do, is a tie the counts cannot
    /// break; a parent the child's key names (order_items.order_id under a list of orders) breaks it for the N+1
    /// (seen: the demo's only N+1 lost in about one run in 600 to an endpoint that happened to have as many requests).
    @Test func aParentNamedByTheChildsKeyWinsATieWithAnEndpoint() {
        let orders = QueryStats(queryID: "1", query: "SELECT id FROM orders WHERE customer_id = $1", calls: 30,
                                totalMilliseconds: 30, meanMilliseconds: 1, rows: 150, sharedBlocksHit: 0,
                                sharedBlocksRead: 0, tempBlocksWritten: 0)
        let lines = QueryStats(queryID: "2", query: "SELECT sku FROM order_items WHERE order_id = $1", calls: 150,
                               totalMilliseconds: 15, meanMilliseconds: 0.1, rows: 150, sharedBlocksHit: 0,
                               sharedBlocksRead: 0, tempBlocksWritten: 0)
        let tie = RunAnalysis.Load(httpRequests: 330, requestsByName: ["customer-orders": 30, "products": 150, "home": 150],
                                   seconds: 10)
        let findings = RunAnalysis.findings(DatabaseRun(queries: [orders, lines]), load: tie)
        #expect(findings.contains { $0.id == "n-plus-one" && $0.title.contains("order_items") }, "\(findings.map(\.title))")
        // A parent the key does not name still loses the tie (the product page reading its reviews, above).
        let unnamed = QueryStats(queryID: "3", query: "SELECT id FROM shipments WHERE customer_id = $1", calls: 30,
                                 totalMilliseconds: 30, meanMilliseconds: 1, rows: 150, sharedBlocksHit: 0,
                                 sharedBlocksRead: 0, tempBlocksWritten: 0)
        #expect(!RunAnalysis.findings(DatabaseRun(queries: [unnamed, lines]), load: tie).contains { $0.id == "n-plus-one" })
    }

    /// In a flow every step runs once per iteration: a lookup two steps make once each (600 calls in 300 iterations)
    /// has the counts of an N+1 under a list of two rows per iteration. That is said as a possibility, not as an N+1;
    /// a fan-out the flow's steps cannot explain (4.6 rows per parent) is still an N+1.
    @Test func equalCountsOfAFlowsStepsAreNotTakenForAnNPlusOne() {
        let customer = QueryStats(queryID: "1", query: "SELECT id, name FROM customers WHERE id = $1", calls: 600,
                                  totalMilliseconds: 30, meanMilliseconds: 0.05, rows: 600)
        let lines = QueryStats(queryID: "2", query: "SELECT product_id FROM order_items WHERE order_id = ANY($1)", calls: 300,
                               totalMilliseconds: 30, meanMilliseconds: 0.1, rows: 600)
        let steps: [String: UInt64] = ["buy": 300, "bought-product": 299, "my-orders": 300]
        let flows = ["buy": "buyers", "bought-product": "buyers", "my-orders": "buyers"]
        let inFlow = RunAnalysis.Load(httpRequests: 899, requestsByName: steps, flowsByName: flows, seconds: 10)
        let findings = RunAnalysis.findings(DatabaseRun(queries: [customer, lines]), load: inFlow)
        #expect(!findings.contains { $0.id == "n-plus-one" }, "\(findings.map(\.title))")
        #expect(findings.contains { $0.id == "n-plus-one-possible" && $0.title.contains("2× per iteration of flow 'buyers'") })
        // The same counts from a weighted mix are the classic signature.
        let mix = RunAnalysis.Load(httpRequests: 899, requestsByName: steps, seconds: 10)
        #expect(RunAnalysis.findings(DatabaseRun(queries: [customer, lines]), load: mix).contains { $0.id == "n-plus-one" })
        // A real N+1 inside the flow: 1,370 order lines read one by one under 300 order lists.
        let orders = QueryStats(queryID: "3", query: "SELECT id FROM orders WHERE customer_id = $1", calls: 300,
                                totalMilliseconds: 30, meanMilliseconds: 0.1, rows: 1_370)
        let items = QueryStats(queryID: "4", query: "SELECT * FROM order_items WHERE order_id = $1", calls: 1_370,
                               totalMilliseconds: 80, meanMilliseconds: 0.06, rows: 2_740)
        let real = RunAnalysis.findings(DatabaseRun(queries: [orders, items]), load: inFlow)
        #expect(real.contains { $0.id == "n-plus-one" && $0.title.contains("order_items") }, "\(real.map(\.title))")
    }

    /// A batched write returns rows too (`INSERT … SELECT … FROM unnest(…)`): it is never the list an N+1 follows.
    @Test func aBatchedWriteIsNotAParentList() {
        let audit = QueryStats(queryID: "1", query: "INSERT INTO audit_log (at, action) SELECT a, b FROM unnest($1::timestamptz[], $2::text[]) AS l(a, b)",
                               calls: 4, totalMilliseconds: 2, meanMilliseconds: 0.5, rows: 161)
        let product = QueryStats(queryID: "2", query: "SELECT id, name FROM products WHERE id = $1", calls: 165,
                                 totalMilliseconds: 3, meanMilliseconds: 0.02, rows: 165)
        let load = RunAnalysis.Load(httpRequests: 600, requestsByName: ["deep-page": 5, "product": 45, "list": 550], seconds: 10)
        let findings = RunAnalysis.findings(DatabaseRun(queries: [audit, product]), load: load)
        #expect(!findings.contains { $0.id == "n-plus-one" && $0.evidence.contains { $0.value.contains("INSERT") } },
                "\(findings.map(\.title))")
        #expect(RunAnalysis.isRead("WITH x AS (SELECT 1) SELECT * FROM x") && !RunAnalysis.isRead("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x"))
    }

    @Test func endpointWithSimilarCountsIsToldApartByItsPath() {
        let orders = QueryStats(queryID: "1", query: "SELECT id FROM orders WHERE customer_id = $1", calls: 23,
                                totalMilliseconds: 5, meanMilliseconds: 0.2, rows: 110)
        let items = QueryStats(queryID: "2", query: "SELECT * FROM order_items WHERE order_id = $1", calls: 110,
                               totalMilliseconds: 20, meanMilliseconds: 0.2, rows: 500)
        let run = DatabaseRun(queries: [orders, items])
        let counts: [String: UInt64] = ["customer-orders": 23, "tenant-products": 24, "product": 60]
        let withPaths = RunAnalysis.Load(
            httpRequests: 107, requestsByName: counts,
            pathsByName: ["customer-orders": "/customers/${random:1..80}/orders", "tenant-products": "/products?tenant=1",
                          "product": "/products/1"],
            seconds: 10)
        #expect(RunAnalysis.findings(run, load: withPaths).contains { $0.id == "n-plus-one" && $0.title.contains("in customer-orders") })
        // Without paths two endpoints are equally close: no endpoint is named rather than a guess.
        let finding = RunAnalysis.findings(run, load: .init(httpRequests: 107, requestsByName: counts, seconds: 10))
            .first { $0.id == "n-plus-one" }
        #expect(finding != nil && finding?.title.contains(" in ") == false)
    }

    @Test func parentNamedByTheChildsKeyIsPreferred() {
        let child = "SELECT i.product_id, i.quantity FROM order_items i WHERE i.order_id = $1"
        #expect(RunAnalysis.isNamedParent("SELECT id, status FROM orders WHERE customer_id = $1", of: child))
        #expect(RunAnalysis.isNamedParent("SELECT id FROM public.\"orders\" o WHERE o.customer_id = $1", of: child))
        #expect(!RunAnalysis.isNamedParent("SELECT rating FROM reviews WHERE product_id = $1", of: child))
        #expect(!RunAnalysis.isNamedParent("SELECT 1", of: "SELECT * FROM t WHERE id = $1"))
    }

    @Test func quietDatabaseYieldsNoRunFindings() {
        let run = DatabaseRun(queries: [], indexes: [], tables: [], connections: [], maxConnections: 100,
                              cacheHitRatio: 1.0)
        #expect(RunAnalysis.findings(run, load: .init(httpRequests: 100, seconds: 10)).isEmpty)
    }

    @Test func poolSaturationFromServiceMetrics() {
        let pool = (0..<10).map { PoolSample(second: $0, inUse: 2, idle: 0, waiting: $0 % 2 == 0 ? 5 : 0, size: 2) }
        let run = DatabaseRun(pool: pool)
        let finding = RunAnalysis.findings(run, load: .init(httpRequests: 100, seconds: 10)).first { $0.id == "pool-saturation" }
        #expect(finding?.evidence(named: "pool size")?.number == 2)
        #expect(finding?.severity == .critical)
    }
}
