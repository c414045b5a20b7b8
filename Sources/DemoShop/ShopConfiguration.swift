import DemoShopData
import Foundation

/// How the demo shop runs: where its database is, where it listens, and which tuning practices are on.
///
/// `mode` only picks the defaults for `practices`; each practice can then be switched on or off alone
/// (flags or environment variables), so that its effect can be measured by itself.
public struct ShopConfiguration: Sendable {
    /// `postgres://user@host:port/database` (see `ConnectionSettings` for the accepted forms).
    public var databaseURL: String
    public var host: String
    /// 0 picks any free port; the application reports the one it got.
    public var port: Int
    public var mode: ShopMode
    public var practices: ShopPractices
    /// Connections in the pool when `practices.prewarmedPool` is on (the naive pool always has 2).
    public var poolSize: Int
    /// How long a cached product or report stays fresh (writes invalidate it sooner).
    public var cacheTTL: Duration
    /// Buffered audit rows are written at least this often.
    public var auditFlushInterval: Duration
    /// Buffered audit rows are written as soon as this many are waiting.
    public var auditBufferLimit: Int
    /// The largest page `GET /products` returns when `practices.keysetPagination` is on.
    public var maximumPageSize: Int

    /// The pool size of the naive mode: small, and opened on demand.
    public static let naivePoolSize = 2

    public init(databaseURL: String, mode: ShopMode = .naive, host: String = "127.0.0.1", port: Int = 8080) {
        self.databaseURL = databaseURL
        self.host = host
        self.port = port
        self.mode = mode
        self.practices = mode.practices
        self.poolSize = 8
        self.cacheTTL = .seconds(30)
        self.auditFlushInterval = .seconds(1)
        self.auditBufferLimit = 500
        self.maximumPageSize = 100
    }

    /// The number of connections the pool may open.
    public var effectivePoolSize: Int { practices.prewarmedPool ? poolSize : Self.naivePoolSize }

    /// A one-line summary for logs (never shows a password).
    public var summary: String {
        "mode=\(mode.rawValue) \(practices.summary) pool=\(effectivePoolSize)"
            + (practices.bufferedAudit ? " flush=\(auditFlushInterval) buffer=\(auditBufferLimit)" : "")
    }
}

