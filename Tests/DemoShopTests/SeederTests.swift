import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing
import TunerTestSupport

@testable import DemoShop
@testable import DemoShopData

@Suite(.serialized, .suiteCluster) struct SeederTests {
    @Test func loadsEveryTableAtTheScaleWithConsistentTotals() async throws {
        let cluster = try SuiteCluster.cluster
        let url = try await cluster.createDatabase("seed_counts")
        let phases = NIOLockedValueBox<[SeedProgress.Phase]>([])
        let summary = try await ShopSeeder.seed(url: url, scale: SeedScale(2)) { progress in
            phases.withLockedValue { $0.append(progress.phase) }
        }
        print("seeded scale 2 in \(summary.duration)")
        let scale = SeedScale(2)
        #expect(try await ShopTest.integer("SELECT count(*) FROM customers", in: url) == scale.customers)
        #expect(try await ShopTest.integer("SELECT count(*) FROM products", in: url) == scale.products)
        #expect(try await ShopTest.integer("SELECT count(*) FROM orders", in: url) == scale.orders)
        #expect(try await ShopTest.integer("SELECT count(*) FROM reviews", in: url) == scale.reviews)
        let items = try await ShopTest.integer("SELECT count(*) FROM order_items", in: url)
        #expect(items == summary.rows["order_items"])
        #expect(items > scale.orders * 3 && items < scale.orders * 7, "about 5 lines per order, got \(items)")
        // Every order's total is the sum of its lines, although the two tables are loaded separately.
        #expect(try await ShopTest.integer("""
            SELECT count(*) FROM orders o
            WHERE o.total_cents <> (SELECT sum(quantity * unit_price_cents) FROM order_items WHERE order_id = o.id)
            """, in: url) == 0)
        let seen = phases.withLockedValue { $0 }
        #expect(seen.first == .schema && seen.last == .done && seen.contains(.loading))
    }

    @Test func sameScaleGivesTheSameData() async throws {
        let cluster = try SuiteCluster.cluster
        let first = try await cluster.createDatabase("seed_same_a")
        let second = try await cluster.createDatabase("seed_same_b")
        try await ShopSeeder.seed(url: first, scale: .tiny)
        try await ShopSeeder.seed(url: second, scale: .tiny)
        let fingerprint = """
            SELECT md5(string_agg(concat_ws(',', o.id, o.customer_id, o.status, o.total_cents, o.created_at,
                                            i.product_id, i.quantity, i.unit_price_cents), ';' ORDER BY i.id))
            FROM order_items i JOIN orders o ON o.id = i.order_id
            """
        let a = try await ShopTest.sql(fingerprint, in: first)
        let b = try await ShopTest.sql(fingerprint, in: second)
        #expect(a.count == 32 && a == b)
    }

    @Test func schemaHasForeignKeysButNoIndexOnThem() async throws {
        let url = try await ShopTest.seededDatabase()
        let foreignKeys = try await ShopTest.sql("""
            SELECT conrelid::regclass || '.' || a.attname FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' ORDER BY 1
            """, in: url).split(separator: "\n").map(String.init)
        #expect(foreignKeys.count == 5)
        for column in foreignKeys {
            let parts = column.split(separator: ".")
            let indexed = try await ShopTest.integer("""
                SELECT count(*) FROM pg_index x JOIN pg_attribute a
                  ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                WHERE x.indrelid = '\(parts[0])'::regclass AND a.attname = '\(parts[1])'
                """, in: url)
            #expect(indexed == 0, "\(column) must stay unindexed: finding that index is Tuner's job")
        }
    }

    @Test func reseedingReplacesTheDataAndInsertsGetFreshIds() async throws {
        let url = try await ShopTest.seededDatabase()
        try await ShopTest.sql("INSERT INTO customers (name, email) VALUES ('x', 'x@example.com')", in: url)
        try await ShopSeeder.seed(url: url, scale: .tiny)
        #expect(try await ShopTest.integer("SELECT count(*) FROM customers", in: url) == SeedScale.tiny.customers)
        let id = try await ShopTest.integer(
            "INSERT INTO orders (customer_id, status, total_cents) VALUES (1, 'pending', 0) RETURNING id", in: url)
        #expect(id == SeedScale.tiny.orders + 1)
    }

    @Test func unreachableDatabaseIsOneClearError() async throws {
        await #expect {
            try await ShopSeeder.seed(url: "postgres://postgres@127.0.0.1:1/none?sslmode=disable", scale: .tiny)
        } throws: { error in
            "\(error)".contains("seeding failed") && !"\(error)".contains("\n")
        }
    }

    @Test func copyTextEscapesAndFormatsTimestamps() {
        var out = CopyTextBuffer()
        out.append(42)
        out.append(-7)
        out.append("tab\there\\ and\nnew")
        out.append(timestamp: 951_782_400 + 3_723)  // 2000-02-29 01:02:03 UTC
        out.endRow()
        #expect(String(buffer: out.take()) == "42\t-7\ttab\\there\\\\ and\\nnew\t2000-02-29 01:02:03+00\n")
        #expect(CopyTextBuffer.civilDate(daysSinceEpoch: 0) == (1970, 1, 1))
        #expect(CopyTextBuffer.civilDate(daysSinceEpoch: -1) == (1969, 12, 31))
        #expect(CopyTextBuffer.civilDate(daysSinceEpoch: 19_723) == (2024, 1, 1))
    }
}
