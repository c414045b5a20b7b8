import Foundation
import Hummingbird
import Logging
import PostgresNIO

/// The order queries, in their naive (one statement per order or line) and batched forms.
struct OrderStore: Sendable {
    let logger: Logger
    let batched: Bool

    /// How many of a customer's orders `GET /customers/{id}/orders` shows, newest first.
    static let ordersShown = 20

    func customer(id: Int, on connection: PostgresConnection) async throws -> CustomerOrders.Customer? {
        let rows = try await connection.query("SELECT id, name, email FROM customers WHERE id = \(id)", logger: logger)
        for try await (id, name, email) in rows.decode((Int, String, String).self) {
            return .init(id: id, name: name, email: email)
        }
        return nil
    }

    /// The customer's latest orders with their lines: the lines one query per order (N+1), or all in one.
    func orders(ofCustomer customer: Int, on connection: PostgresConnection) async throws -> [Order] {
        let rows = try await connection.query(
            """
            SELECT id, status, total_cents, created_at FROM orders WHERE customer_id = \(customer)
            ORDER BY created_at DESC, id DESC LIMIT \(Self.ordersShown)
            """, logger: logger)
        var orders: [Order] = []
        for try await (id, status, total, createdAt) in rows.decode((Int, String, Int, Date).self) {
            orders.append(Order(id: id, customer: customer, status: status, totalCents: total, createdAt: createdAt,
                                items: []))
        }
        if orders.isEmpty { return orders }
        if batched {
            let lines = try await connection.query(
                """
                SELECT i.order_id, i.product_id, p.name, i.quantity, i.unit_price_cents
                FROM order_items i JOIN products p ON p.id = i.product_id
                WHERE i.order_id = ANY(\(orders.map(\.id))) ORDER BY i.order_id, i.id
                """, logger: logger)
            var byOrder: [Int: [Order.Line]] = [:]
            for try await (order, product, name, quantity, price) in lines.decode((Int, Int, String, Int, Int).self) {
                byOrder[order, default: []].append(.init(product: product, name: name, quantity: quantity,
                                                         unitPriceCents: price))
            }
            for index in orders.indices { orders[index].items = byOrder[orders[index].id] ?? [] }
        } else {
            for index in orders.indices {
                let lines = try await connection.query(
                    """
                    SELECT i.product_id, p.name, i.quantity, i.unit_price_cents
                    FROM order_items i JOIN products p ON p.id = i.product_id
                    WHERE i.order_id = \(orders[index].id) ORDER BY i.id
                    """, logger: logger)
                for try await (product, name, quantity, price) in lines.decode((Int, String, Int, Int).self) {
                    orders[index].items.append(.init(product: product, name: name, quantity: quantity,
                                                     unitPriceCents: price))
                }
            }
        }
        return orders
    }

    /// Inserts an order for existing products (`quantities` by product id, each product once) inside the
    /// caller's transaction, and takes the units out of stock (never below zero: backorders are allowed).
    func create(customer: Int, quantities: [(product: Int, quantity: Int)], prices: [Int: (name: String, cents: Int)],
                on connection: PostgresConnection) async throws -> Order
    {
        let total = quantities.reduce(0) { $0 + $1.quantity * (prices[$1.product]?.cents ?? 0) }
        let inserted = try await connection.query(
            """
            INSERT INTO orders (customer_id, status, total_cents, created_at)
            VALUES (\(customer), 'pending', \(total), now()) RETURNING id, created_at
            """, logger: logger)
        var order: Order?
        for try await (id, createdAt) in inserted.decode((Int, Date).self) {
            order = Order(id: id, customer: customer, status: "pending", totalCents: total, createdAt: createdAt,
                          items: [])
        }
        guard var order else { throw HTTPError(.internalServerError, message: "the new order was not returned") }
        order.items = quantities.map {
            .init(product: $0.product, name: prices[$0.product]?.name ?? "", quantity: $0.quantity,
                  unitPriceCents: prices[$0.product]?.cents ?? 0)
        }
        if batched {
            let products = order.items.map(\.product)
            let units = order.items.map(\.quantity)
            let cents = order.items.map(\.unitPriceCents)
            try await connection.query(
                """
                INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
                SELECT \(order.id), p, q, c FROM unnest(\(products)::int8[], \(units)::int4[], \(cents)::int4[]) AS l(p, q, c)
                """, logger: logger)
            try await connection.query(
                """
                UPDATE products SET stock = greatest(stock - l.q, 0)
                FROM unnest(\(products)::int8[], \(units)::int4[]) AS l(p, q) WHERE products.id = l.p
                """, logger: logger)
        } else {
            for line in order.items {
                try await connection.query(
                    """
                    INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
                    VALUES (\(order.id), \(line.product), \(line.quantity), \(line.unitPriceCents))
                    """, logger: logger)
                try await connection.query(
                    "UPDATE products SET stock = greatest(stock - \(line.quantity), 0) WHERE id = \(line.product)",
                    logger: logger)
            }
        }
        return order
    }

    /// Names and prices of the given products (those that exist).
    func prices(of products: [Int], on connection: PostgresConnection) async throws -> [Int: (name: String, cents: Int)] {
        let rows = try await connection.query(
            "SELECT id, name, price_cents FROM products WHERE id = ANY(\(products))", logger: logger)
        var prices: [Int: (name: String, cents: Int)] = [:]
        for try await (id, name, cents) in rows.decode((Int, String, Int).self) { prices[id] = (name, cents) }
        return prices
    }
}
