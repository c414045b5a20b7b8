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
