import TunerCore

/// How much data the seeder generates: every table grows linearly with `factor`.
///
/// Scale 1 (tests) is 20 customers, 50 products, 100 orders with about 500 order lines and 100 reviews;
/// the demo scale, 2,000, is 40,000 customers, 100,000 products, 200,000 orders, about a million
/// order lines and 200,000 reviews.
public struct SeedScale: Sendable, Equatable, CustomStringConvertible {
    public let factor: Int

    public init(_ factor: Int) {
        precondition(factor >= 1, "the seed scale is at least 1")
        self.factor = factor
    }

    /// The smallest scale, for tests.
    public static let tiny = SeedScale(1)
    /// About a million order lines.
    public static let demo = SeedScale(2000)

    public var customers: Int { 20 * factor }
    public var products: Int { 50 * factor }
    public var orders: Int { 100 * factor }
    public var reviews: Int { 100 * factor }
    /// Orders have 1 to 9 lines, 5 on average.
    public var expectedOrderItems: Int { 5 * orders }
    /// Products belong to 2 to 50 tenants.
    public var tenants: Int { min(50, max(2, factor / 40)) }

    public var description: String {
        "scale \(factor): \(customers) customers, \(products) products, \(orders) orders, "
            + "~\(expectedOrderItems) order lines, \(reviews) reviews"
    }
}

/// What the seeder is doing, for a progress line.
public struct SeedProgress: Sendable {
    public enum Phase: String, Sendable {
        case schema, loading, constraints, analyze, done
    }

    public var phase: Phase
    /// The table being loaded (`loading` only).
    public var table: String?
    public var rowsWritten: Int
    /// Exact except for `order_items`, whose count is only known at the end.
    public var rowsExpected: Int
    public var elapsed: Duration

    /// `loading order_items 400000/~1000000 (3.1s)`, `constraints (5.2s)`
    public var description: String {
        switch phase {
        case .loading:
            "loading \(table ?? "") \(rowsWritten)/\(rowsExpected) (\(elapsed.shortDescription))"
        default:
            "\(phase.rawValue) (\(elapsed.shortDescription))"
        }
    }
}

/// What the seeder loaded and how long it took.
public struct SeedSummary: Sendable, CustomStringConvertible {
    public var scale: SeedScale
    /// Rows per table.
    public var rows: [String: Int]
    public var duration: Duration

    /// `seeded scale 2000 in 21.4s: customers 40000, products 100000, …` (tables in schema order).
    public var description: String {
        let counts = ShopSchema.tableNames.compactMap { table in rows[table].map { "\(table) \($0)" } }
        return "seeded scale \(scale.factor) in \(duration.shortDescription): " + counts.joined(separator: ", ")
    }
}
