import Foundation
import TunerCore

extension SampleResult {
    static let hostileQuery = "SELECT '<script>alert(\"query\")</script>' AS x, * FROM products WHERE name = $1"

    static func database(_ shop: Shop, requests: [RequestStats], seconds: Int, random: inout Random, hostile: Bool) -> DatabaseRun {
        let slow = shop == .before
        let lists = Int64(requests[0].count)
        let products = Int64(requests[1].count)
        let orders = Int64(requests[2].count)
        func query(_ id: String, _ text: String, calls: Int64, mean: Double, sd: Double, rows: Int64) -> QueryStats {
            QueryStats(queryID: id, query: text, calls: calls, totalMilliseconds: Double(calls) * mean, meanMilliseconds: mean,
                       rows: rows, sharedBlocksHit: calls * 4, sharedBlocksRead: slow ? calls / 3 : calls / 200,
                       stddevMilliseconds: sd)
        }
        var queries = [
            query("-4821", "SELECT o.id, o.total, o.created_at FROM orders o WHERE o.customer_id = $1 ORDER BY o.created_at DESC LIMIT $2",
                  calls: products, mean: slow ? 17.8 : 0.09, sd: slow ? 6.1 : 0.04, rows: products * 6),
            query("8812", "SELECT id, name, price FROM order_items WHERE product_id = $1",
                  calls: lists * 20, mean: 0.045, sd: 0.02, rows: lists * 20 * 3),
            query("1203", "SELECT id, name, price, stock FROM products ORDER BY id LIMIT $1 OFFSET $2",
                  calls: lists, mean: slow ? 2.9 : 2.7, sd: 0.8, rows: lists * 20),
            query("7731", "INSERT INTO orders (customer_id, total, created_at) VALUES ($1, $2, now()) RETURNING id",
                  calls: orders, mean: 0.6, sd: 0.3, rows: orders),
            query("5518", "INSERT INTO order_items (order_id, product_id, quantity) VALUES ($1, $2, $3)",
                  calls: orders * 2, mean: 0.25, sd: 0.1, rows: orders * 2),
            query("9001", "SELECT count(*) FROM products", calls: lists / 10, mean: 1.1, sd: 0.4, rows: lists / 10),
        ]
        if hostile { queries.append(query("666", hostileQuery, calls: 40, mean: 3, sd: 1, rows: 40)) }
        queries.sort { $0.totalMilliseconds > $1.totalMilliseconds }
        var indexes = [
            IndexUsage(schema: "public", table: "products", index: "products_pkey", scans: lists * 20 + products,
                       tuplesRead: lists * 20 + products, tuplesFetched: lists * 20 + products, sizeBytes: 2_260_992, isUnique: true),
            IndexUsage(schema: "public", table: "order_items", index: "order_items_product_id_idx", scans: lists * 20,
                       tuplesRead: lists * 60, tuplesFetched: lists * 60, sizeBytes: 6_889_472),
            IndexUsage(schema: "public", table: "orders", index: "orders_pkey", scans: orders, tuplesRead: orders,
                       tuplesFetched: orders, sizeBytes: 4_513_792, isUnique: true),
            IndexUsage(schema: "public", table: "products", index: "products_name_trgm_idx", scans: 0, tuplesRead: 0,
                       tuplesFetched: 0, sizeBytes: 11_763_712),
        ]
        if !slow {
            indexes.append(IndexUsage(schema: "public", table: "orders", index: "orders_customer_id_idx", scans: products,
                                      tuplesRead: products * 6, tuplesFetched: products * 6, sizeBytes: 4_423_680))
        }
        let tables = [
            TableActivity(schema: "public", table: "orders", sequentialScans: slow ? products : 0,
                          sequentialRowsRead: slow ? products * 200_000 : 0, indexScans: slow ? orders : orders + products,
                          liveRows: 200_000),
            TableActivity(schema: "public", table: "products", sequentialScans: lists / 10, sequentialRowsRead: lists / 10 * 100_000,
                          indexScans: lists * 20 + products, liveRows: 100_000),
            TableActivity(schema: "public", table: "order_items", sequentialScans: 0, sequentialRowsRead: 0,
                          indexScans: lists * 20, liveRows: 600_000),
        ]
        var connections: [ConnectionSample] = []
        var pool: [PoolSample] = []
        for second in 0..<seconds {
            let ramp = min(1, Double(second + 1) / 10)
            let busy = slow ? 10 * ramp : 2.6 * ramp
            let active = max(0, Int((busy * (0.75 + 0.3 * random.next())).rounded()))
            let waiting = slow && random.next() < 0.3 ? 1 + Int(random.next() * 2) : 0
            let inTransaction = random.next() < 0.2 ? 1 : 0
            let active2 = min(active, 10 - waiting - inTransaction)
            connections.append(ConnectionSample(second: second, active: max(active2, 0), idle: 10 - max(active2, 0) - waiting - inTransaction,
                                                idleInTransaction: inTransaction, waiting: waiting,
                                                longestQueryMilliseconds: slow ? 40 + 90 * random.next() : 2 + 8 * random.next()))
            let inUse = slow ? min(10, Int((10 * ramp).rounded())) : Int((busy + random.next()).rounded())
            let waiters = slow && second >= 6 ? Int(6 + 22 * random.next()) : 0
            pool.append(PoolSample(second: second, inUse: inUse, idle: 10 - inUse, waiting: waiters, size: 10))
        }
        return DatabaseRun(queries: queries, indexes: indexes, tables: tables, connections: connections, maxConnections: 100,
                           cacheHitRatio: slow ? 0.962 : 0.9987, pool: pool)
    }

    static func findings(_ shop: Shop, requests: [RequestStats]) -> [Finding] {
        let lists = Double(requests[0].count)
        let products = Double(requests[1].count)
        var out: [Finding] = []
        if shop == .before {
            out.append(Finding(
                id: "seq-scan-during-load", severity: .critical, object: "public.orders",
                title: "Sequential scans of orders on every product request",
                evidence: [.init("sequential scans", products), .init("rows read", products * 200_000),
                           .init("mean time", 17.8, unit: "ms"), .init("share of database time", 71, unit: "%")],
                why: "Each lookup by customer_id reads all 200,000 rows of orders; an index turns it into a few page reads.",
                fix: "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id);", source: "run"))
            out.append(Finding(
                id: "pool-saturation", severity: .warning, object: "service pool",
                title: "Requests waited for a database connection in 54 of 60 seconds",
                evidence: [.init("pool size", 10), .init("peak waiters", 27), .init("seconds with waiters", 54)],
                why: "The pool of 10 stays fully checked out while slow queries hold connections; fix the slow query first, then size the pool with `tuner pool`.",
                fix: nil, source: "run"))
        }
        out.append(Finding(
            id: "n-plus-one", severity: .warning, object: "SELECT id, name, price FROM order_items WHERE product_id = $1",
            title: "N+1: 20 single-row queries per product list request",
            evidence: [.init("calls", lists * 20), .init("HTTP requests", lists), .init("calls per request", 20)],
            why: "The product list fetches items one product at a time; one query with WHERE product_id = ANY($1) does the same work in one round trip.",
            fix: "SELECT id, name, price FROM order_items WHERE product_id = ANY($1);", source: "run"))
        out.append(Finding(
            id: "unused-index", severity: .info, object: "public.products_name_trgm_idx",
            title: "Index never used during the load (11 MB)",
            evidence: [.init("scans", 0), .init("size", "11 MB")],
            why: "An unused index costs writes and cache; drop it if no other workload uses it.",
            fix: "DROP INDEX CONCURRENTLY public.products_name_trgm_idx;", source: "run"))
        return out
    }
}
