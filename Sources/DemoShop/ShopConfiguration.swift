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

/// The two presets: the "before" and the "after" of the tuning guides.
public enum ShopMode: String, Sendable, CaseIterable {
    case naive
    case tuned

    /// The practices this mode switches on.
    public var practices: ShopPractices {
        switch self {
        case .naive: ShopPractices.none
        case .tuned: ShopPractices.all
        }
    }
}

/// The application-side practices of the tuning guides, each independently switchable.
///
/// Indexes are deliberately not among them: finding and creating the missing ones is Tuner's job.
public struct ShopPractices: Sendable, Equatable {
    /// Load an order list's items in one query (`= ANY($1)`) instead of one query per order (N+1);
    /// likewise write an order's items and stock updates in one statement each.
    public var batchedLoading: Bool
    /// Keyset (cursor) pagination with a capped page size instead of OFFSET with any page size.
    public var keysetPagination: Bool
    /// In-process cache with a TTL, invalidated on writes, for product reads and the report.
    public var cache: Bool
    /// A pool of `poolSize` connections opened before the first request, instead of 2 opened on demand.
    public var prewarmedPool: Bool
    /// gzip for response bodies over 1 KB when the client sends `Accept-Encoding: gzip`.
    public var compression: Bool
    /// Audit rows buffered and written in batches instead of one INSERT per request.
    public var bufferedAudit: Bool

    public init(batchedLoading: Bool, keysetPagination: Bool, cache: Bool, prewarmedPool: Bool,
                compression: Bool, bufferedAudit: Bool) {
        self.batchedLoading = batchedLoading
        self.keysetPagination = keysetPagination
        self.cache = cache
        self.prewarmedPool = prewarmedPool
        self.compression = compression
        self.bufferedAudit = bufferedAudit
    }

    public static let none = ShopPractices(batchedLoading: false, keysetPagination: false, cache: false,
                                           prewarmedPool: false, compression: false, bufferedAudit: false)
    public static let all = ShopPractices(batchedLoading: true, keysetPagination: true, cache: true,
                                          prewarmedPool: true, compression: true, bufferedAudit: true)

    /// Every practice with its name, as used by flags (`--batched-loading`) and variables (`SHOP_BATCHED_LOADING`).
    public static var names: [(name: String, keyPath: WritableKeyPath<ShopPractices, Bool>)] {
        [
            ("batched-loading", \.batchedLoading),
            ("keyset-pagination", \.keysetPagination),
            ("cache", \.cache),
            ("prewarmed-pool", \.prewarmedPool),
            ("compression", \.compression),
            ("buffered-audit", \.bufferedAudit),
        ]
    }

    /// `batched-loading=on cache=off …`
    public var summary: String {
        Self.names.map { "\($0.name)=\(self[keyPath: $0.keyPath] ? "on" : "off")" }.joined(separator: " ")
    }
}
