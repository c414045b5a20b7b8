import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import DemoShop
import DemoShopData
import TunerTestSupport

/// Every endpoint, in both modes, against a real seeded database.
@Suite(.serialized, .suiteCluster) struct EndpointTests {
    @Test(arguments: ShopMode.allCases) func productListIsNewestFirstWithANextLink(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        let expected = try await ShopTest.sql(
            "SELECT string_agg(id::text, ',' ORDER BY created_at DESC, id DESC) FROM (SELECT id, created_at FROM products ORDER BY created_at DESC, id DESC LIMIT 5) p",
            in: url)
        try await ShopTest.withShop(ShopTest.configuration(mode, url: url)) { client in
            let response = try await client.get("/products?limit=5")
            #expect(response.status == .ok)
            let page = try response.object
            let items = try #require(page["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? Int }.map(String.init).joined(separator: ",") == expected)
            #expect(items.first?["price_cents"] is Int && items.first?["category"] is String)
            let next = try #require(page["next"] as? String)
            #expect(next.hasPrefix("/products?"))
            #expect(try await client.get(next).status == .ok)
            #expect(try await client.get("/products?limit=0").status == .badRequest)
            #expect(try await client.get("/products?page=abc").status == .badRequest)
        }
    }

    @Test(arguments: ShopMode.allCases) func productDetailAnd404(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        let reviewed = try await ShopTest.integer(
            "SELECT product_id FROM reviews GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1", in: url)
        let reviews = try await ShopTest.integer("SELECT count(*) FROM reviews WHERE product_id = \(reviewed)", in: url)
        try await ShopTest.withShop(ShopTest.configuration(mode, url: url)) { client in
            let response = try await client.get("/products/\(reviewed)")
            #expect(response.status == .ok)
            let product = try response.object
            #expect(product["id"] as? Int == reviewed)
            let rating = try #require(product["rating"] as? [String: Any])
            #expect(rating["count"] as? Int == reviews)
            #expect((product["recent_reviews"] as? [Any])?.count == min(3, reviews))
            let missing = try await client.get("/products/987654321")
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("product 987654321 not found"))
            #expect(try await client.get("/products/abc").status == .badRequest)
            #expect(try await client.get("/no/such/path").status == .notFound)
        }
    }

    @Test(arguments: ShopMode.allCases) func customerOrdersCarryTheirLines(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        let customer = try await ShopTest.integer(
            "SELECT customer_id FROM orders GROUP BY 1 HAVING count(*) >= 3 ORDER BY 1 LIMIT 1", in: url)
        let orderCount = try await ShopTest.integer(
            "SELECT least(count(*), 20) FROM orders WHERE customer_id = \(customer)", in: url)
        try await ShopTest.withShop(ShopTest.configuration(mode, url: url)) { client in
            let response = try await client.get("/customers/\(customer)/orders")
            #expect(response.status == .ok)
            let body = try response.object
            #expect((body["customer"] as? [String: Any])?["id"] as? Int == customer)
            let orders = try #require(body["orders"] as? [[String: Any]])
            #expect(orders.count == orderCount)
            for order in orders {
                let items = try #require(order["items"] as? [[String: Any]])
                #expect(!items.isEmpty)
                let sum = items.reduce(0) { $0 + ($1["quantity"] as? Int ?? 0) * ($1["unit_price_cents"] as? Int ?? 0) }
                #expect(sum == order["total_cents"] as? Int)
            }
            let missing = try await client.get("/customers/987654321/orders")
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("customer 987654321 not found"))
        }
    }

    @Test(arguments: ShopMode.allCases) func postingAnOrderWritesItAndItsAuditRow(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        let stock = try await ShopTest.integer("SELECT stock FROM products WHERE id = 7", in: url)
        let price = try await ShopTest.integer("SELECT price_cents FROM products WHERE id = 7", in: url)
        let id = try await ShopTest.withShop(ShopTest.configuration(mode, url: url)) { client in
            let response = try await client.post("/orders", json: #"{"customer": 1, "items": [[7, 2], [3, 1], [7, 1]]}"#)
            #expect(response.status == .created)
            let order = try response.object
            let items = try #require(order["items"] as? [[String: Any]])
            #expect(items.count == 2, "repeated products are one line")
            #expect(items.first { $0["product"] as? Int == 7 }?["quantity"] as? Int == 3)
            #expect((order["total_cents"] as? Int ?? 0) > 3 * price)
            return try #require(order["id"] as? Int)
        }
        #expect(try await ShopTest.integer("SELECT count(*) FROM order_items WHERE order_id = \(id)", in: url) == 2)
        #expect(try await ShopTest.integer("SELECT stock FROM products WHERE id = 7", in: url) == stock - 3)
        #expect(try await ShopTest.integer(
            "SELECT count(*) FROM audit_log WHERE action = 'order.created' AND entity_id = \(id)", in: url) == 1)
    }

    @Test(arguments: ShopMode.allCases) func badOrdersAre400Or404NeverA500(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        try await ShopTest.withShop(ShopTest.configuration(mode, url: url)) { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("{not json", .badRequest, "not valid JSON"),
                (#"{"items": [[1, 1]]}"#, .badRequest, "missing customer"),
                (#"{"customer": "one", "items": [[1, 1]]}"#, .badRequest, "customer has the wrong type"),
                (#"{"customer": 1, "items": []}"#, .badRequest, "1 to 100 items"),
                (#"{"customer": 1, "items": [[1, 0]]}"#, .badRequest, "quantity must be"),
                (#"{"customer": 1, "items": [[1, 2, 3]]}"#, .badRequest, "malformed order"),
                (#"{"customer": 1, "items": [{"product": 1}]}"#, .badRequest, "quantity"),
                (#"{"customer": 987654321, "items": [[1, 1]]}"#, .notFound, "customer 987654321 not found"),
                (#"{"customer": 1, "items": [[987654321, 1]]}"#, .notFound, "product 987654321 not found"),
            ]
            for (body, status, message) in cases {
                let response = try await client.post("/orders", json: body)
                #expect(response.status == status, "\(body) → \(response.status) \(response.text)")
                #expect(response.text.contains(message), "\(body) → \(response.text)")
            }
            let objects = try await client.post("/orders", json: #"{"customer": 1, "items": [{"product": 2, "quantity": 1}]}"#)
            #expect(objects.status == .created)
        }
        #expect(try await ShopTest.integer("SELECT count(*) FROM audit_log", in: url) == 1)
    }

    @Test(arguments: ShopMode.allCases) func topProductsReportMatchesTheOrders(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        let expected = try await ShopTest.sql("""
            SELECT string_agg(id::text, ',' ORDER BY revenue DESC, id) FROM (
              SELECT i.product_id AS id, sum(i.quantity * i.unit_price_cents) AS revenue
              FROM order_items i JOIN orders o ON o.id = i.order_id
              WHERE o.created_at >= now() - interval '90 days' AND o.status <> 'cancelled'
              GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5) t
            """, in: url)
        try await ShopTest.withShop(ShopTest.configuration(mode, url: url)) { client in
            let response = try await client.get("/reports/top-products?days=90&limit=5")
            #expect(response.status == .ok)
            let products = try #require(try response.object["products"] as? [[String: Any]])
            #expect(products.compactMap { $0["id"] as? Int }.map(String.init).joined(separator: ",") == expected)
            #expect(try await client.get("/reports/top-products?days=0").status == .badRequest)
        }
    }

    @Test(arguments: ShopMode.allCases) func healthAndMetrics(mode: ShopMode) async throws {
        let url = try await ShopTest.seededDatabase()
        try await ShopTest.withShop(ShopTest.configuration(mode, url: url)) { client in
            let health = try await client.get("/health")
            #expect(health.status == .ok)
            #expect(try health.object["mode"] as? String == mode.rawValue)
            _ = try await client.get("/products/1")
            _ = try await client.get("/products/2")
            _ = try await client.get("/products/987654321")
            let metrics = try await client.get("/metrics").text
            let ok = #"demo_shop_http_requests_total{route="/products/{id}",method="GET",status="200"}"#
            #expect(ShopTest.metric(ok, in: metrics) == 2)
            let missing = #"demo_shop_http_requests_total{route="/products/{id}",method="GET",status="404"}"#
            #expect(ShopTest.metric(missing, in: metrics) == 1)
            let latency = #"demo_shop_http_request_duration_seconds_count{route="/products/{id}",method="GET",status="200"}"#
            #expect(ShopTest.metric(latency, in: metrics) == 2)
            #expect(ShopTest.metric(#"demo_shop_db_pool_connections{state="in_use"}"#, in: metrics) == 0)
            let idle = try #require(ShopTest.metric(#"demo_shop_db_pool_connections{state="idle"}"#, in: metrics))
            #expect(idle >= 1, "the health check and product reads left at least one connection open")
            #expect(ShopTest.metric("demo_shop_db_pool_waiting", in: metrics) == 0)
            let poolSize = mode == .tuned ? 4 : ShopConfiguration.naivePoolSize
            #expect(ShopTest.metric("demo_shop_db_pool_max_connections", in: metrics) == Double(poolSize))
        }
    }
}
