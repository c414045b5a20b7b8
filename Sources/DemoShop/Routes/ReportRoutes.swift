import Hummingbird
import PostgresNIO

/// `GET /reports/top-products?days=30&limit=10`: the best sellers by revenue, an expensive aggregate over
/// every order line of the period.
struct ReportRoutes: Sendable {
    let services: ShopServices

    func register(on router: Router<some RequestContext>) {
        router.get("/reports/top-products") { request, _ in try await topProducts(request) }
    }

    func topProducts(_ request: Request) async throws -> Response {
        let days = try RequestInput.integer("days", in: request, range: 1...3650, default: 30)!
        let limit = try RequestInput.integer("limit", in: request, range: 1...100, default: 10)!
        let body = try await services.cached(.report("top-products|\(days)|\(limit)")) {
            let products = try await services.database.withConnection { connection in
                try await query(days: days, limit: limit, on: connection)
            }
            return try services.responder.encode(TopProductsReport(days: days, products: products))
        }
        return try services.json(body, for: request)
    }

    private func query(days: Int, limit: Int, on connection: PostgresConnection) async throws -> [TopProduct] {
        let rows = try await connection.query(
            """
            SELECT p.id, p.name, p.category, sum(i.quantity)::int8 AS units,
                   sum(i.quantity * i.unit_price_cents)::int8 AS revenue,
                   (SELECT avg(r.rating)::float8 FROM reviews r WHERE r.product_id = p.id) AS rating
            FROM order_items i
            JOIN orders o ON o.id = i.order_id
            JOIN products p ON p.id = i.product_id
            WHERE o.created_at >= now() - make_interval(days => \(days)::int4) AND o.status <> 'cancelled'
            GROUP BY p.id, p.name, p.category
            ORDER BY revenue DESC, p.id
            LIMIT \(limit)
            """, logger: services.logger)
        var products: [TopProduct] = []
        for try await (id, name, category, units, revenue, rating)
            in rows.decode((Int, String, String, Int, Int, Double?).self)
        {
            products.append(TopProduct(id: id, name: name, category: category, unitsSold: units,
                                       revenueCents: revenue, averageRating: rating))
        }
        return products
    }
}
