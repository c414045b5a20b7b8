import EmbeddedPostgres
import Foundation
import Testing
import TunerPostgres
import TunerTestSupport

/// The advisor on real workloads (pg_stat_statements), `apply`, the statistics fallback and the
/// review of existing indexes.
@Suite(.suiteCluster, .serialized) struct AdvisorWorkloadTests {
    /// Runs each statement `times` times with different constants, as an application would.
    private func run(_ db: AdvisorDatabase, _ statements: [(Int) -> String], times: Int) async throws {
        let script = (1...times).flatMap { n in statements.map { $0(n) + ";" } }.joined(separator: "\n")
        _ = try await db.psql(script)
    }

    @Test func pgStatStatementsWorkloadGetsIndexesWithTimeSaved() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        try await run(db, [
            { "SELECT * FROM orders WHERE customer_id = \($0 * 7)" },
            { "SELECT o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.email = 'user\($0)@example.com'" },
            { "SELECT value FROM settings WHERE key = 'key-\($0 % 40)'" },
            { _ in "SELECT 1" },
        ], times: 12)
        let report = try await DatabaseSession.withSession(db.settings) { session in
            let workload = try await AdvisorWorkload.statements(session, minCalls: 10)
            #expect(!workload.queries.contains { $0.text.contains("tuner") || $0.text.contains("pg_stat_reset") })
            #expect(workload.queries.contains { $0.text == "SELECT * FROM orders WHERE customer_id = $1" })
            #expect(workload.observedSeconds != nil)
            return try await IndexAdvisor.advise(session, workload: workload)
        }
        #expect(report.shapes == ["orders(customer_id)"])
        let suggestion = try #require(report.suggestions.first)
        #expect(suggestion.queries.count == 2, "the lookup and the join both use it")
        #expect(suggestion.queries.allSatisfy { $0.calls == 12 })
        #expect((suggestion.savedMillisecondsPerHour ?? 0) > 0)
        #expect(suggestion.writeWarning == nil)
    }

    @Test func aFailedConcurrentBuildLeavesNoInvalidIndexButTouchesNoOtherOne() async throws {
        let db = try await AdvisorDatabase.make("""
            CREATE TABLE dupes (a int, b int);
            INSERT INTO dupes SELECT g % 10, g FROM generate_series(1, 100) g;
            """)
        // Someone else's failed build, left invalid before ours runs.
        _ = try? await db.psql("CREATE UNIQUE INDEX CONCURRENTLY someone_elses ON dupes (a)")
        let invalidSQL = """
            SELECT coalesce(string_agg(c.relname, ',' ORDER BY c.relname), '') FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid
            """
        #expect(try await db.psql(invalidSQL) == "someone_elses")
        var options = DatabaseSession.Options.applying
        options.lockTimeout = .seconds(30)
        let failure = try await DatabaseSession.withSession(db.settings, options: options) { session in
            do {
                try await IndexAdvisor.createIndex("CREATE UNIQUE INDEX CONCURRENTLY ON dupes (a, (b % 2));", session: session)
                return nil as String?
            } catch {
                return "\(error)"
            }
        }
        #expect(failure?.contains("could not create unique index") == true, "\(failure ?? "it succeeded")")
        #expect(try await db.psql(invalidSQL) == "someone_elses")
        try await DatabaseSession.withSession(db.settings, options: options) { session in
            try await IndexAdvisor.createIndex("CREATE INDEX CONCURRENTLY dupes_b_idx ON dupes (b)", session: session)
        }
        #expect(try await db.psql("SELECT count(*) FROM pg_indexes WHERE indexname = 'dupes_b_idx'") == "1")
    }

    @Test func applyCreatesTheIndexesAndThePlansUseThem() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let queries = [
            "SELECT id, total FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 10",
            "SELECT o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.email = 'user7@example.com'",
            "SELECT id FROM products WHERE label LIKE 'label-0012%'",
            "SELECT id FROM orders WHERE a = 17 AND b = 33",
        ]
        let report = try await db.advise(queries)
        #expect(Set(report.shapes) == ["orders(customer_id, created_at)", "products(label text_pattern_ops)", "orders(a, b)"])
        var options = DatabaseSession.Options.applying
        options.lockTimeout = .seconds(30)
        let applied = try await DatabaseSession.withSession(db.settings, options: options) { session in
            try await IndexAdvisor.apply(report.suggestions, session: session)
        }
        #expect(applied.count == 3)
        #expect(applied.allSatisfy { $0.succeeded && ($0.sizeBytes ?? 0) > 0 })
        let valid = try await db.psql("""
            SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE c.relname IN ('orders_customer_id_created_at_idx', 'products_label_idx', 'orders_a_b_idx') AND i.indisvalid
            """)
        #expect(valid == "3")
        #expect(try await db.explain(queries[0]).contains("orders_customer_id_created_at_idx"))
        #expect(try await db.explain(queries[1]).contains("orders_customer_id_created_at_idx"))
        #expect(try await db.explain(queries[2]).contains("products_label_idx"))
        #expect(try await db.explain(queries[3]).contains("orders_a_b_idx"))
        // Advised again, the workload needs nothing more.
        #expect(try await db.advise(queries).suggestions.isEmpty)
    }

    @Test func applyRefusesAReadOnlySession() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders)
        let report = try await db.advise(["SELECT * FROM orders WHERE customer_id = $1"])
        await #expect(throws: DatabaseError.self) {
            try await DatabaseSession.withSession(db.settings) { session in
                try await IndexAdvisor.apply(report.suggestions, session: session)
            }
        }
    }

    @Test func withoutHypopgTheStatisticsFallbackSuggestsLessCertainly() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders + "\nDROP EXTENSION hypopg;")
        let report = try await db.advise([
            "SELECT * FROM orders WHERE customer_id = $1",
            "SELECT value FROM settings WHERE key = $1",
            "SELECT * FROM orders WHERE status = $1",
        ])
        #expect(report.method == .statistics)
        #expect(report.shapes == ["orders(customer_id)"], "tiny table and 20%-selective status get nothing")
        #expect(report.suggestions.allSatisfy { $0.method == .statistics })
        #expect(report.notes.contains { $0.contains("hypopg is installed on the server but not created") })
        #expect(report.renderText().contains("LESS CERTAIN"))
    }

    @Test func existingIndexesUnusedRedundantAndMadeRedundantAreReported() async throws {
        let db = try await AdvisorDatabase.make(AdvisorFixtures.orders + """

            CREATE INDEX orders_status_idx ON orders (status);
            CREATE INDEX orders_a_idx ON orders (a);
            CREATE INDEX orders_a_b_idx ON orders (a, b);
            CREATE INDEX orders_customer_idx ON orders (customer_id);
            """)
        try await run(db, [
            { "SELECT id FROM orders WHERE a = \($0) AND b = \($0 + 1)" },
            { "SELECT id FROM orders WHERE customer_id = \($0) ORDER BY created_at LIMIT 5" },
        ], times: 10)
        let report = try await db.advise(try await DatabaseSession.withSession(db.settings) { session in
            try await AdvisorWorkload.statements(session, minCalls: 10)
        })
        #expect(report.shapes == ["orders(customer_id, created_at)"])
        #expect(report.suggestions.first?.makesRedundant == ["orders_customer_idx"])
        let kinds = Dictionary(uniqueKeysWithValues: report.existingIndexes.map { ($0.index.name, $0.kind) })
        #expect(kinds == [
            "orders_status_idx": .unused, "orders_a_idx": .redundant, "orders_customer_idx": .redundant,
        ])
        #expect(report.existingIndexes.allSatisfy { $0.index.sizeBytes > 0 && $0.dropStatement.hasPrefix("DROP INDEX") })
        #expect(report.findings.map(\.id).sorted() == ["missing-index", "redundant-index", "redundant-index", "unused-index"])
    }

    @Test func writeHeavyTableIsFlagged() async throws {
        let db = try await AdvisorDatabase.make("""
            CREATE TABLE events (id bigserial PRIMARY KEY, device int NOT NULL, payload text NOT NULL);
            """)
        _ = try await db.psql("""
            INSERT INTO events (device, payload) SELECT g % 3000, 'x' FROM generate_series(1, 150000) g;
            UPDATE events SET payload = 'y' WHERE id % 10 = 0;
            ANALYZE events;
            SELECT pg_stat_force_next_flush();
            """)
        let report = try await db.advise(["SELECT * FROM events WHERE device = $1"])
        let suggestion = try #require(report.suggestions.first)
        #expect(suggestion.columns.map(\.name) == ["device"])
        #expect(suggestion.writeWarning?.contains("150000 rows inserted, 15000 updated") == true)
    }
}
