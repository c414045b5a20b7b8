import EmbeddedPostgres
import Foundation
import Testing
import TunerPostgres
import TunerTestSupport

/// The index advisor against a real PostgreSQL with hypopg: workloads whose right index is known.
@Suite(.suiteCluster, .serialized) struct AdvisorTests {
    @Test func equalityGetsASingleColumnIndex() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise(["SELECT * FROM orders WHERE customer_id = $1"])
        #expect(report.method == .hypothetical)
        #expect(report.shapes == ["orders(customer_id)"])
        let suggestion = try #require(report.suggestions.first)
        #expect(suggestion.statement == "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id);")
        let served = try #require(suggestion.queries.first)
        #expect(served.costAfter < served.costBefore * 0.5)
        #expect((suggestion.estimatedSizeBytes ?? 0) > 0)
        #expect(report.unplanned.isEmpty)
    }

    @Test func equalityWithOrderByPutsTheSortColumnLast() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise(
            ["SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10"])
        #expect(report.shapes == ["orders(customer_id, created_at)"])
    }

    @Test func rangeGetsAnIndexOnTheRangeColumn() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise(
            ["SELECT id FROM orders WHERE created_at >= '2026-02-01' AND created_at < '2026-02-02'"])
        #expect(report.shapes == ["orders(created_at)"])
    }

    /// Statements as pg_stat_statements stores them: each typed literal became `TYPE $n`, which does not parse.
    @Test(arguments: [
        "SELECT id FROM orders WHERE created_at >= now() - interval $1 AND created_at < now()",
        "SELECT id FROM orders WHERE created_at >= date $1 AND created_at < date $2",
        "SELECT id FROM orders WHERE created_at BETWEEN timestamp $1 AND timestamp $2",
        "SELECT id FROM orders WHERE created_at >= timestamptz $1 AND created_at < timestamptz $2",
        "SELECT id FROM orders WHERE created_at >= timestamp with time zone $1 AND created_at < now() - interval $2 day",
    ])
    func typedLiteralPlaceholdersArePlannedAndAdvised(statement: String) async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise([statement])
        #expect(report.unplanned.isEmpty, "\(report.unplanned)")
        #expect(report.shapes == ["orders(created_at)"])
    }

    @Test func twoEqualityColumnsGetOneTwoColumnIndex() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise(["SELECT * FROM orders WHERE b = $1 AND a = $2"])
        // Both columns narrow to 0.2%, together to one row; the more distinct one (a: 500 values) leads.
        #expect(report.shapes == ["orders(a, b)"])
    }

    @Test func joinKeyGetsAnIndexOnTheJoinedTable() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise(
            ["SELECT o.id, o.total FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.email = $1"])
        #expect(report.shapes == ["orders(customer_id)"])
    }

    @Test func likePrefixUnderCCollationUsesAPlainIndex() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise(["SELECT id FROM products WHERE name LIKE 'product-0012%'"])
        #expect(report.shapes == ["products(name)"])
    }

    @Test func likePrefixUnderALinguisticCollationNeedsPatternOps() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise(["SELECT id FROM products WHERE label LIKE 'label-0012%'"])
        #expect(report.shapes == ["products(label text_pattern_ops)"])
    }

    @Test func likeWithAParameterIsNotGuessed() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise(["SELECT id FROM products WHERE name LIKE $1"])
        #expect(report.suggestions.isEmpty)
        #expect(report.notes.contains { $0.contains("LIKE with a parameter on products.name") })
    }

    @Test func queryServedByAnExistingIndexGetsNoSuggestion() async throws {
        let db = try await AdvisorDatabase.make(
            AdvisorFixtures.orders + "\nCREATE INDEX orders_by_customer ON orders (customer_id, created_at);")
        let report = try await db.advise(["SELECT * FROM orders WHERE customer_id = $1"])
        #expect(report.suggestions.isEmpty)
        #expect(!report.existingIndexes.contains { $0.index.name == "orders_by_customer" })
    }

    @Test func tinyTableGetsNoSuggestion() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise(["SELECT value FROM settings WHERE key = $1"])
        #expect(report.planned(count: 1))
        #expect(report.suggestions.isEmpty)
    }

    @Test func workloadOfSeveralQueriesGetsTheSmallestSet() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise([
            "SELECT * FROM orders WHERE customer_id = $1",
            "SELECT id FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10",
            "SELECT count(*) FROM orders WHERE customer_id = $1 AND created_at >= $2 AND created_at < $3",
        ])
        // (customer_id) alone would serve the first query, but (customer_id, created_at) covers it as a prefix.
        #expect(report.shapes == ["orders(customer_id, created_at)"])
        #expect(report.suggestions.first?.queries.count == 3)
    }

    @Test func aQueryIsNotGivenAnIndexBuiltForAnother() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise([
            "SELECT * FROM orders WHERE customer_id = $1",
            // Asks for (customer_id, status), which ties with (customer_id) for the first query but is no help here.
            """
            WITH x AS (SELECT customer_id, count(*) AS n FROM orders WHERE status = $1 GROUP BY 1)
            SELECT * FROM x JOIN customers c ON c.id = x.customer_id WHERE c.email = $2
            """,
        ])
        #expect(report.shapes == ["orders(customer_id)"])
    }

    @Test func unplannableStatementsAreReportedWithTheServerReason() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise([
            "SELECT * FROM no_such_table WHERE x = $1", "SELECT * FROM orders WHERE id = $1 AND $2 IS NULL", "SET work_mem = '64MB'",
        ])
        #expect(report.unplanned.count == 1)
        #expect(report.unplanned.first?.reason.contains("does not exist") == true)
        #expect(report.workload.planned == 1, "a parameter PostgreSQL cannot type is planned as text")
        #expect(report.notes.contains { $0.contains("not queries") })
    }

    @Test func hypotheticalIndexesWorkInAReadOnlySessionAndLeaveNothing() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let before = try await db.psql("SELECT count(*) FROM pg_class WHERE relkind = 'i'")
        try await DatabaseSession.withSession(db.settings) { session in
            #expect(try await session.scalar("SHOW transaction_read_only")?.string == "on")
            let report = try await IndexAdvisor.advise(
                session, workload: .queries(["SELECT * FROM orders WHERE customer_id = $1"]))
            #expect(report.suggestions.count == 1)
            #expect(try await session.scalar("SELECT count(*) FROM hypopg_list_indexes")?.int == 0)
        }
        #expect(try await db.psql("SELECT count(*) FROM pg_class WHERE relkind = 'i'") == before)
    }
}

extension AdvisorReport {
    func planned(count: Int) -> Bool { workload.planned == count && unplanned.isEmpty }
}
