import Foundation
import Testing
import TunerCore
import TunerTestSupport

@testable import TunerPostgres

/// Table and sequence problems planted in a real cluster.
@Suite(.serialized, .suiteCluster)
struct DoctorTableTests {
    @Test func sequencesNearTheirMaximum() async throws {
        let database = try await DoctorCluster.database(planting: """
            CREATE TABLE accounts (id serial PRIMARY KEY, name text);
            INSERT INTO accounts (name) VALUES ('first');
            SELECT setval('accounts_id_seq', 2000000000);
            CREATE TABLE ledger (id bigserial PRIMARY KEY);
            SELECT setval('ledger_id_seq', 2000000000);
            CREATE SEQUENCE legacy_seq;
            CREATE TABLE legacy (id integer PRIMARY KEY DEFAULT nextval('legacy_seq'));
            ALTER SEQUENCE legacy_seq OWNED BY legacy.id;
            SELECT setval('legacy_seq', 1900000000);
            """)
        let report = try await DoctorCluster.check(database)
        let accounts = try report.finding("sequence-near-max", object: "public.accounts_id_seq")
        #expect(accounts.severity == .critical)
        #expect(try accounts.number("last value") == 2_000_000_000)
        #expect(try accounts.number("maximum") == 2_147_483_647)
        #expect(try accounts.value("range used") == "93.1%")
        #expect(try accounts.value("column") == "public.accounts.id")
        #expect(accounts.fix?.contains("ALTER TABLE public.accounts ALTER COLUMN id TYPE bigint;") == true)
        // A bigint sequence feeding an integer column overflows at the column's maximum.
        let legacy = try report.finding("sequence-near-max", object: "public.legacy_seq")
        #expect(legacy.severity == .warning)
        #expect(try legacy.value("limited by") == "column type integer")
        #expect(try legacy.number("maximum") == 2_147_483_647)
        #expect(!report.findings(withID: "sequence-near-max").contains { $0.object == "public.ledger_id_seq" })
    }

    @Test func deadTuplesWithAutovacuumOffForTheTable() async throws {
        let database = try await DoctorCluster.database(planting: """
            CREATE TABLE churn (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
            INSERT INTO churn SELECT g, 'x' FROM generate_series(1, 10000) g;
            DELETE FROM churn WHERE id <= 6000;
            CREATE TABLE calm (id int PRIMARY KEY);
            INSERT INTO calm SELECT generate_series(1, 100);
            DELETE FROM calm WHERE id <= 10;
            """)
        try await DoctorCluster.waitUntil(
            "SELECT n_dead_tup = 6000 FROM pg_stat_user_tables WHERE relname = 'churn'", database: database)
        let report = try await DoctorCluster.check(database)
        let churn = try report.finding("dead-tuples", object: "public.churn")
        #expect(try churn.number("dead rows") == 6000)
        #expect(try churn.number("live rows") == 4000)
        #expect(try churn.value("dead share") == "60%")
        #expect(try churn.value("autovacuum for table") == "off")
        #expect(try churn.value("last vacuum") == "never")
        #expect(churn.fix?.contains("ALTER TABLE public.churn RESET (autovacuum_enabled);") == true)
        #expect(!report.findings(withID: "dead-tuples").contains { $0.object == "public.calm" })
        let analyze = try report.finding("table-never-analyzed", object: "public.churn")
        #expect(try analyze.number("live rows") == 4000)
    }

    @Test func staleStatisticsAfterManyChanges() async throws {
        let database = try await DoctorCluster.database(planting: """
            CREATE TABLE moving (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false);
            INSERT INTO moving SELECT g, 0 FROM generate_series(1, 2000) g;
            """)
        // Separate sessions: each flushes its counters on exit, so ANALYZE resets after the INSERT is counted.
        let cluster = try DoctorCluster.cluster
        try await DoctorCluster.waitUntil(
            "SELECT n_mod_since_analyze = 2000 FROM pg_stat_user_tables WHERE relname = 'moving'", database: database)
        try await cluster.psql("ANALYZE moving", database: database)
        try await cluster.psql("UPDATE moving SET v = 1", database: database)
        try await DoctorCluster.waitUntil(
            "SELECT n_mod_since_analyze = 2000 FROM pg_stat_user_tables WHERE relname = 'moving'", database: database)
        let report = try await DoctorCluster.check(database)
        let stale = try report.finding("stale-statistics", object: "public.moving")
        #expect(try stale.number("rows modified since analyze") == 2000)
        #expect(try stale.number("autoanalyze trigger point") == 250)
    }
}
