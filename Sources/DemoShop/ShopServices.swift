import DemoShopData
import Hummingbird
import Logging
import NIOCore

/// What every route handler shares: configuration, pool, cache, audit log, metrics.
struct ShopServices: Sendable {
    let configuration: ShopConfiguration
    let database: ShopDatabase
    /// Nil when the cache practice is off.
    let cache: ResponseCache?
    let audit: any AuditLog
    /// The buffered audit log when that practice is on (a service to run, and counts for `/metrics`).
    let bufferedAudit: BufferedAuditLog?
    let metrics: ShopMetrics
    let responder: JSONResponder
    let logger: Logger

    init(configuration: ShopConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        database = try ShopDatabase(configuration: configuration, logger: logger)
        cache = configuration.practices.cache ? ResponseCache(timeToLive: configuration.cacheTTL) : nil
        let metrics = ShopMetrics()
        self.metrics = metrics
        if configuration.practices.bufferedAudit {
            let buffered = BufferedAuditLog(database: database, sizeLimit: configuration.auditBufferLimit,
                                            flushInterval: configuration.auditFlushInterval, logger: logger,
                                            durableAfter: { metrics.recordAuditWait($0) })
            bufferedAudit = buffered
            audit = buffered
        } else {
            bufferedAudit = nil
            audit = DirectAuditLog(logger: logger)
        }
        responder = JSONResponder(compresses: configuration.practices.compression)
    }

    var practices: ShopPractices { configuration.practices }

    /// `compute`'s body, through the cache when that practice is on.
    func cached(_ key: CacheKey, _ compute: () async throws -> ByteBuffer) async throws -> ByteBuffer {
        guard let cache else { return try await compute() }
        return try await cache.value(for: key, compute: compute)
    }

    /// A JSON response for an already encoded body.
    func json(_ body: ByteBuffer, status: HTTPResponse.Status = .ok, for request: Request) throws -> Response {
        try responder.respond(body: body, contentType: "application/json; charset=utf-8", status: status,
                              for: request)
    }
}
