import DemoShopData
import Hummingbird
import NIOCore

/// `GET /health` and `GET /metrics`.
struct OperationsRoutes: Sendable {
    let services: ShopServices

    func register(on router: Router<some RequestContext>) {
        router.get("/health") { request, _ in try await health(request) }
        router.get("/metrics") { request, _ in try metrics(request) }
    }

    static let databaseTimeout = Duration.seconds(2)

    /// 200 when the database answers, 503 when it does not (within `databaseTimeout`).
    func health(_ request: Request) async throws -> Response {
        var practices: [String: Bool] = [:]
        for practice in ShopPractices.names { practices[practice.name] = services.practices[keyPath: practice.keyPath] }
        var health = Health(status: "ok", mode: services.configuration.mode.rawValue, practices: practices,
                            poolSize: services.database.maximumConnections)
        do {
            // A pool that cannot connect keeps its callers waiting; a health check must answer.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    _ = try await services.database.withConnection { connection in
                        try await connection.query("SELECT 1", logger: services.logger)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: Self.databaseTimeout)
                    throw HTTPError(.serviceUnavailable, message: "no database connection within \(Self.databaseTimeout)")
                }
                try await group.next()
                group.cancelAll()
            }
            return try services.responder.json(health, for: request)
        } catch {
            services.logger.warning("health: database unavailable: \(describeDatabaseError(error))")
            health.status = "database unavailable"
            return try services.responder.json(health, status: .serviceUnavailable, for: request)
        }
    }

    /// Prometheus text: requests and latency per route, the pool, the cache and the audit log.
    func metrics(_ request: Request) throws -> Response {
        let metrics = services.metrics
        let pool = services.database.snapshot
        let poolHelp = "Database connections by state (idle = open and not leased)"
        metrics.set("db_pool_connections", help: poolHelp, labels: [("state", "in_use")], to: pool.inUse)
        metrics.set("db_pool_connections", help: poolHelp, labels: [("state", "idle")],
                    to: max(0, pool.open - pool.inUse))
        metrics.set("db_pool_waiting", help: "Requests waiting for a database connection", to: pool.waiting)
        metrics.set("db_pool_max_connections", help: "The most connections the pool may open",
                    to: services.database.maximumConnections)
        if let cache = services.cache {
            let counts = cache.counts
            let help = "Cache look-ups by result"
            metrics.advance("cache_lookups", help: help, labels: [("result", "hit")], to: counts.hits)
            metrics.advance("cache_lookups", help: help, labels: [("result", "miss")], to: counts.misses)
        }
        if let audit = services.bufferedAudit {
            let counts = audit.counts
            metrics.set("audit_buffer_pending", help: "Audit rows waiting to be written", to: counts.pending)
            metrics.advance("audit_rows_written", help: "Audit rows written by the buffer", to: counts.written)
            metrics.advance("audit_flushes", help: "Batched audit INSERTs", to: counts.flushes)
        }
        return try services.responder.respond(
            body: ByteBuffer(string: metrics.render()), contentType: "text/plain; version=0.0.4; charset=utf-8",
            for: request)
    }
}
