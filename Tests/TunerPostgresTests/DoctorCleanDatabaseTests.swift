import Foundation
import Testing
import TunerCore
import TunerTestSupport

@testable import TunerPostgres

/// A well-kept database yields none of the problems the other suites plant, even with the activity
/// thresholds at zero.
@Suite(.serialized, .suiteCluster)
struct DoctorCleanDatabaseTests {
    static let plantedIDs: Set<String> = [
        "missing-fk-index", "duplicate-index", "redundant-index", "unused-index", "invalid-index",
        "constraint-not-validated", "sequence-near-max", "dead-tuples", "table-never-analyzed", "stale-statistics",
        "idle-in-transaction", "long-running-query", "blocked-query", "prepared-transaction-open",
        "pg-stat-statements-missing", "slow-query", "query-temp-spill", "seq-scan-heavy", "table-bloat", "index-bloat",
        "xid-wraparound", "multixact-wraparound", "connections-near-limit",
    ]

    @Test func cleanDatabaseHasNoneOfThePlantedProblems() async throws {
        let database = try await DoctorCluster.database(planting: """
            CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);
            CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id),
                                 total numeric NOT NULL CHECK (total >= 0));
            CREATE INDEX orders_customer_id ON orders (customer_id);
            INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 200) g;
            INSERT INTO orders (customer_id, total) SELECT 1 + g % 200, g FROM generate_series(1, 2000) g;
            """)
        // Analyze once the inserting session's counters are in, as autovacuum would.
        try await DoctorCluster.waitUntil(
            "SELECT n_mod_since_analyze = 2000 FROM pg_stat_user_tables WHERE relname = 'orders'", database: database)
        try await DoctorCluster.cluster.psql("VACUUM ANALYZE", database: database)
        let report = try await DoctorCluster.check(database, thresholds: [
            "idle-in-transaction": "0s", "long-running-query": "0s", "blocked-query": "0s",
            "prepared-transaction-age": "0s",
        ])
        let found = report.ids.intersection(Self.plantedIDs)
        #expect(found.isEmpty, "unexpected: \(report.findings.filter { found.contains($0.id) }.map { "\($0.id) \($0.object)" })")
        #expect(report.skipped.filter { !$0.isPartial }.map(\.check) == ["memory-model"], "\(report.skippedNotes)")
        #expect(report.checksRun.count == Doctor.checkNames.count - 1)
        #expect(report.serverVersion.hasPrefix("PostgreSQL "))
        #expect(report.overview.contains { $0.name == "heap cache hit ratio" })
    }

    @Test func findingsComeMostSevereFirst() async throws {
        let database = try await DoctorCluster.database(planting: """
            CREATE TABLE a (id serial PRIMARY KEY); SELECT setval('a_id_seq', 2100000000);
            CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id));
            """)
        let report = try await DoctorCluster.check(database)
        let severities = report.findings.map(\.severity)
        #expect(severities == severities.sorted(by: >))
        #expect(report.worstSeverity == .critical)
    }
}
