import Foundation
import Logging
import PostgresNIO

/// Optional filters of `GET /products`: the tenant-and-category listing of the tuning guides.
struct ProductFilter: Sendable, Hashable {
    var tenant: Int?
    var category: String?
}

/// Where a page starts: an OFFSET (page numbers) or after a keyset cursor (the last row's sort key).
enum PagePosition: Sendable, Hashable {
    case offset(Int)
    case after(Cursor)

    /// The sort key of a product in the listing order (`created_at DESC, id DESC`), as `MICROS.ID`.
    struct Cursor: Sendable, Hashable {
        var createdAtMicros: Int
        var id: Int

        init(createdAtMicros: Int, id: Int) {
            self.createdAtMicros = createdAtMicros
            self.id = id
        }

        init?(_ text: String) {
            let parts = text.split(separator: ".")
            guard parts.count == 2, let micros = Int(parts[0]), let id = Int(parts[1]) else { return nil }
            self.init(createdAtMicros: micros, id: id)
        }

        var text: String { "\(createdAtMicros).\(id)" }
    }
}

/// The product queries. Each filter combination is its own statement text (no `$1 IS NULL OR …`), so
/// `pg_stat_statements` and the index advisor see the real predicates.
struct ProductStore: Sendable {
    let logger: Logger

    /// One page of products, newest first; each with its cursor.
    func page(filter: ProductFilter, position: PagePosition, limit: Int, on connection: PostgresConnection)
        async throws -> [(ProductSummary, PagePosition.Cursor)]
    {
        var conditions: [String] = []
        var binds = PostgresBindings()
        if let tenant = filter.tenant {
            binds.append(tenant)
            conditions.append("tenant_id = $\(binds.count)")
        }
        if let category = filter.category {
            binds.append(category)
            conditions.append("category = $\(binds.count)")
        }
        var tail = ""
        switch position {
        case .after(let cursor):
            binds.append(Double(cursor.createdAtMicros))
            binds.append(cursor.id)
            conditions.append(
                "(created_at, id) < (timestamptz 'epoch' + $\(binds.count - 1) * interval '1 microsecond', $\(binds.count))")
            binds.append(limit)
            tail = "LIMIT $\(binds.count)"
        case .offset(let offset):
            binds.append(limit)
            binds.append(offset)
            tail = "LIMIT $\(binds.count - 1) OFFSET $\(binds.count)"
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") + " "
        let sql = """
            SELECT id, tenant_id, category, name, price_cents, created_at,
                   (extract(epoch FROM created_at) * 1000000)::int8
            FROM products \(whereClause)ORDER BY created_at DESC, id DESC \(tail)
            """
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        var page: [(ProductSummary, PagePosition.Cursor)] = []
        for try await (id, tenant, category, name, price, createdAt, micros)
            in rows.decode((Int, Int, String, String, Int, Date, Int).self)
        {
            page.append((
                ProductSummary(id: id, tenant: tenant, category: category, name: name, priceCents: price,
                               createdAt: createdAt),
                PagePosition.Cursor(createdAtMicros: micros, id: id)))
        }
        return page
    }

    /// A product with its rating and latest reviews, or nil when there is no such product.
    func detail(id: Int, on connection: PostgresConnection) async throws -> ProductDetail? {
        let rows = try await connection.query(
            """
            SELECT id, tenant_id, category, name, description, price_cents, stock, created_at
            FROM products WHERE id = \(id)
            """, logger: logger)
        var found: ProductDetail?
        for try await (id, tenant, category, name, description, price, stock, createdAt)
            in rows.decode((Int, Int, String, String, String, Int, Int, Date).self)
        {
            found = ProductDetail(id: id, tenant: tenant, category: category, name: name, description: description,
                                  priceCents: price, stock: stock, createdAt: createdAt,
                                  rating: .init(average: nil, count: 0), recentReviews: [])
        }
        guard var product = found else { return nil }
        let rating = try await connection.query(
            "SELECT count(*)::int8, avg(rating)::float8 FROM reviews WHERE product_id = \(id)", logger: logger)
        for try await (count, average) in rating.decode((Int, Double?).self) {
            product.rating = .init(average: average, count: count)
        }
        let reviews = try await connection.query(
            """
            SELECT rating, body, created_at FROM reviews WHERE product_id = \(id)
            ORDER BY created_at DESC LIMIT 3
            """, logger: logger)
        for try await (rating, body, createdAt) in reviews.decode((Int, String, Date).self) {
            product.recentReviews.append(.init(rating: rating, body: body, createdAt: createdAt))
        }
        return product
    }
}
