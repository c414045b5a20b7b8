import CompressNIO
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@testable import DemoShop
import DemoShopData
import TunerTestSupport

/// Each practice switched on or off alone, and its effect observed in the database or on the wire.
@Suite(.serialized, .suiteCluster) struct PracticeTests {
    /// Calls of the statements that read `order_items`, from pg_stat_statements, in this database only.
    static func orderItemReads(in url: String) async throws -> [Int] {
        try await ShopTest.sql("""
            SELECT calls FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query ILIKE '%FROM order_items%' AND query ILIKE 'SELECT%'
            ORDER BY calls
            """, in: url).split(separator: "\n").compactMap { Int($0) }
    }

    @Test(arguments: [false, true]) func batchedLoadingReplacesOneQueryPerOrder(batched: Bool) async throws {
        let url = try await ShopTest.seededDatabase()
        let customer = try await ShopTest.integer(
            "SELECT customer_id FROM orders GROUP BY 1 HAVING count(*) BETWEEN 3 AND 20 ORDER BY count(*) DESC, 1 LIMIT 1",
            in: url)
        let orders = try await ShopTest.integer("SELECT count(*) FROM orders WHERE customer_id = \(customer)", in: url)
        var configuration = ShopTest.configuration(.naive, url: url)
        configuration.practices.batchedLoading = batched
        try await ShopTest.withShop(configuration) { client in
            try await ShopTest.sql("SELECT pg_stat_statements_reset()", in: url)
            #expect(try await client.get("/customers/\(customer)/orders").status == .ok)
        }
        let reads = try await Self.orderItemReads(in: url)
        if batched {
            #expect(reads == [1], "one query for all \(orders) orders' lines")
        } else {
            #expect(reads == [orders], "N+1: one lines query per order (\(orders) orders)")
        }
    }

    @Test func bufferedAuditLosesNothingAtShutdown() async throws {
        let url = try await ShopTest.seededDatabase()
        var configuration = ShopTest.configuration(.tuned, url: url)
        configuration.auditFlushInterval = .seconds(3600)
        configuration.auditBufferLimit = 1000
        let posted = 25
        try await ShopTest.withShop(configuration) { client in
            try await ShopTest.concurrently(posted, port: client.port) { index, connection in
                let response = try await connection.post(
                    "/orders", headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"customer": 1, "items": [[\#(index % 40 + 1), 1]]}"#))
                #expect(response.status == .created)
            }
            // Nothing reached the size limit or the interval: every row is still in the buffer.
            #expect(try await ShopTest.integer("SELECT count(*) FROM audit_log", in: url) == 0)
        }
        #expect(try await ShopTest.integer("SELECT count(*) FROM audit_log WHERE action = 'order.created'", in: url)
                == posted)
        #expect(try await ShopTest.integer(
            "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity_id = o.id) AND o.id > \(SeedScale.tiny.orders)",
            in: url) == 0)
    }

    @Test func bufferedAuditFlushesWhenTheSizeLimitIsReached() async throws {
        let url = try await ShopTest.seededDatabase()
        var configuration = ShopTest.configuration(.tuned, url: url)
        configuration.auditFlushInterval = .seconds(3600)
        configuration.auditBufferLimit = 3
        try await ShopTest.withShop(configuration) { client in
            for _ in 0..<3 { _ = try await client.post("/orders", json: #"{"customer": 2, "items": [[5, 1]]}"#) }
            var written = 0
            for _ in 0..<50 where written < 3 {
                try await Task.sleep(for: .milliseconds(100))
                written = try await ShopTest.integer("SELECT count(*) FROM audit_log", in: url)
            }
            #expect(written == 3, "three rows reach the limit of 3 and are written while the shop runs")
            let metrics = try await client.get("/metrics").text
            #expect(ShopTest.metric("demo_shop_audit_flushes_total", in: metrics) == 1)
        }
    }

    @Test func cacheServesRepeatsAndForgetsOnWrite() async throws {
        let url = try await ShopTest.seededDatabase()
        var configuration = ShopTest.configuration(.naive, url: url)
        configuration.practices.cache = true
        try await ShopTest.withShop(configuration) { client in
            let before = try await client.get("/products/9").object["stock"] as? Int
            let report = try await client.get("/reports/top-products?days=400&limit=100").text
            // A change behind the shop's back is not seen while the entry is fresh: the read was cached.
            try await ShopTest.sql("UPDATE products SET stock = 5000 WHERE id = 9", in: url)
            #expect(try await client.get("/products/9").object["stock"] as? Int == before)
            #expect(try await client.get("/reports/top-products?days=400&limit=100").text == report)
            // A write through the shop invalidates the product and the report.
            #expect(try await client.post("/orders", json: #"{"customer": 3, "items": [[9, 4]]}"#).status == .created)
            #expect(try await client.get("/products/9").object["stock"] as? Int == 4996)
            let after = try await client.get("/reports/top-products?days=400&limit=100").object
            let products = try #require(after["products"] as? [[String: Any]])
            let row = products.first { $0["id"] as? Int == 9 }
            let previous = try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any]
            let previousRow = (previous?["products"] as? [[String: Any]])?.first { $0["id"] as? Int == 9 }
            #expect((row?["units_sold"] as? Int ?? 0) == (previousRow?["units_sold"] as? Int ?? 0) + 4)
            let metrics = try await client.get("/metrics").text
            #expect(ShopTest.metric(#"demo_shop_cache_lookups_total{result="hit"}"#, in: metrics) == 2)
        }
    }

    @Test func withoutCacheEveryReadIsFresh() async throws {
        let url = try await ShopTest.seededDatabase()
        try await ShopTest.withShop(ShopTest.configuration(.naive, url: url)) { client in
            _ = try await client.get("/products/9")
            try await ShopTest.sql("UPDATE products SET stock = 4321 WHERE id = 9", in: url)
            #expect(try await client.get("/products/9").object["stock"] as? Int == 4321)
        }
    }

    /// Follows `next` links from the first page; returns the product ids in the order seen.
    static func walk(_ client: any TestClientProtocol, from start: String) async throws -> [Int] {
        var ids: [Int] = []
        var link: String? = start
        var pages = 0
        while let current = link, pages < 1000 {
            let response = try await client.get(current)
            #expect(response.status == .ok)
            let page = try response.object
            ids += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            link = page["next"] as? String
            pages += 1
        }
        return ids
    }

    @Test(arguments: ShopMode.allCases) func paginationVisitsEveryProductOnceInOrder(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        let all = try await ShopTest.sql(
            "SELECT string_agg(id::text, ',' ORDER BY created_at DESC, id DESC) FROM products", in: url)
        let tenantOne = try await ShopTest.sql(
            "SELECT string_agg(id::text, ',' ORDER BY created_at DESC, id DESC) FROM products WHERE tenant_id = 1",
            in: url)
        try await ShopTest.withShop(ShopTest.configuration(mode, url: url)) { client in
            let walked = try await Self.walk(client, from: "/products?limit=7")
            #expect(walked.map(String.init).joined(separator: ",") == all)
            let filtered = try await Self.walk(client, from: "/products?limit=4&tenant=1")
            #expect(filtered.map(String.init).joined(separator: ",") == tenantOne)
            let firstPage = try await client.get("/products?limit=7").object
            let next = try #require(firstPage["next"] as? String)
            #expect(next.contains(mode == .tuned ? "after=" : "page=2"))
        }
    }

    @Test(arguments: ShopMode.allCases) func onlyTheKeysetPracticeCapsThePageSize(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        var configuration = ShopTest.configuration(mode, url: url)
        configuration.maximumPageSize = 10
        try await ShopTest.withShop(configuration) { client in
            let page = try await client.get("/products?limit=1000").object
            let count = (page["items"] as? [Any])?.count
            #expect(count == (mode == .tuned ? 10 : SeedScale.tiny.products))
            #expect(try await client.get("/products?after=garbage").status == (mode == .tuned ? .badRequest : .ok))
        }
    }

    @Test(arguments: ShopMode.allCases) func gzipOnlyWhenOnAcceptedAndOver1KB(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        try await ShopTest.withShop(ShopTest.configuration(mode, url: url)) { client in
            let plain = try await client.get("/products?limit=20")
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(plain.body.readableBytes > JSONResponder.compressionThreshold)
            let accepted = try await client.get("/products?limit=20", headers: [.acceptEncoding: "br, gzip;q=0.8"])
            let refused = try await client.get("/products?limit=20", headers: [.acceptEncoding: "gzip;q=0, br"])
            #expect(refused.headers[.contentEncoding] == nil)
            let small = try await client.get("/health", headers: [.acceptEncoding: "gzip"])
            #expect(small.headers[.contentEncoding] == nil, "bodies of 1 KB or less are not worth compressing")
            if mode == .tuned {
                #expect(accepted.headers[.contentEncoding] == "gzip")
                #expect(accepted.body.readableBytes < plain.body.readableBytes)
                var compressed = accepted.body
                let inflated = try compressed.decompress(with: .gzip())
                #expect(inflated == plain.body)
            } else {
                #expect(accepted.headers[.contentEncoding] == nil)
                #expect(accepted.body == plain.body)
            }
        }
    }

    @Test(arguments: ShopMode.allCases) func poolIsPrewarmedBoundedAndMeasured(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        let openConnections = """
            SELECT count(*) FROM pg_stat_activity WHERE application_name = 'demo-shop' AND datname = current_database()
            """
        let size = mode == .tuned ? 4 : ShopConfiguration.naivePoolSize
        try await ShopTest.withShop(ShopTest.configuration(mode, url: url)) { client in
            #expect(try await ShopTest.integer(openConnections, in: url) == (mode == .tuned ? 4 : 0))
            // Hold a lock on products so that 8 product reads pile up on the pool; the lock is held until the
            // test has seen the pile-up (conditions, not guessed sleeps: the machine may be busy).
            let holder = "tuner-test-lock-holder"
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try? await ShopTest.sql(
                        "SET application_name = '\(holder)'; BEGIN; LOCK TABLE products; SELECT pg_sleep(60); COMMIT;", in: url)
                }
                let locked = """
                    SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                    WHERE c.relname = 'products' AND l.mode = 'AccessExclusiveLock' AND l.granted
                    """
                var tries = 0
                while try await ShopTest.integer(locked, in: url) == 0 && tries < 200 {
                    tries += 1
                    try await Task.sleep(for: .milliseconds(50))
                }
                group.addTask {
                    try await ShopTest.concurrently(8, port: client.port) { index, connection in
                        let response = try await connection.get("/products/\(index + 1)")
                        #expect(response.status == .ok)
                    }
                }
                // Until the pile-up shows whole: the waiting count and the connections in use (a connection the pool
                // is still opening counts as neither, and on a busy machine opening one takes a while).
                var metrics = ""
                for _ in 0..<400 {
                    metrics = try await client.get("/metrics").text
                    if ShopTest.metric("demo_shop_db_pool_waiting", in: metrics) == Double(8 - size),
                       ShopTest.metric(#"demo_shop_db_pool_connections{state="in_use"}"#, in: metrics) == Double(size) { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(ShopTest.metric(#"demo_shop_db_pool_connections{state="in_use"}"#, in: metrics) == Double(size))
                #expect(ShopTest.metric("demo_shop_db_pool_waiting", in: metrics) == Double(8 - size))
                #expect(try await ShopTest.integer(openConnections, in: url) == size, "never more than the pool")
                try await ShopTest.sql(
                    "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = '\(holder)'", in: url)
                try await group.waitForAll()
            }
            let metrics = try await client.get("/metrics").text
            #expect(ShopTest.metric(#"demo_shop_db_pool_connections{state="idle"}"#, in: metrics) == Double(size))
            #expect(ShopTest.metric(#"demo_shop_db_pool_connections{state="in_use"}"#, in: metrics) == 0)
            #expect(ShopTest.metric("demo_shop_db_pool_waiting", in: metrics) == 0)
        }
    }
}
