import Foundation
import Testing
import TunerCore
import TunerTestSupport

@testable import TunerPostgres

/// The doctor as a role with only pg_monitor, and as a role with nothing: it runs, finds what it can see,
/// and says what it could not check instead of failing.
@Suite(.serialized, .suiteCluster)
struct DoctorPrivilegeTests {
    static let planted = """
        CREATE TABLE customers (id bigint PRIMARY KEY);
        CREATE TABLE orders (id serial PRIMARY KEY, customer_id bigint REFERENCES customers (id));
        INSERT INTO customers VALUES (1);
        INSERT INTO orders (customer_id) VALUES (1);
        SELECT setval('orders_id_seq', 2100000000);
        CREATE TABLE churn (id int PRIMARY KEY) WITH (autovacuum_enabled = false);
        INSERT INTO churn SELECT generate_series(1, 5000);
        DELETE FROM churn;
        """

    @Test func monitorRoleRunsEveryCheck() async throws {
        let database = try await DoctorCluster.database(planting: Self.planted)
        try await DoctorCluster.cluster.psql(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'monitor') THEN CREATE ROLE monitor LOGIN; END IF; END $$; GRANT pg_monitor TO monitor;",
            database: database)
        try await DoctorCluster.waitUntil(
            "SELECT n_dead_tup = 5000 FROM pg_stat_user_tables WHERE relname = 'churn'", database: database)
        let report = try await DoctorCluster.check(database, user: "monitor")
        #expect(report.overview.contains { $0.name == "role" && $0.value == "monitor (pg_monitor)" })
        _ = try report.finding("missing-fk-index", object: "public.orders (customer_id)")
        _ = try report.finding("dead-tuples", object: "public.churn")
        // pg_monitor cannot read sequence values: said, not guessed.
        #expect(report.findings(withID: "sequence-near-max").isEmpty)
        let sequences = try #require(report.skipped.first { $0.check == "sequences" })
        #expect(sequences.isPartial)
        #expect(sequences.reason.contains("not readable by this role"))
        // Every other check ran; only the memory model lacks the machine's memory (not a privilege).
        let notRun = report.skipped.filter { !$0.isPartial }.map(\.check)
        #expect(notRun == ["memory-model"], "skipped: \(report.skippedNotes)")

        let superuser = try await DoctorCluster.check(database)
        _ = try superuser.finding("sequence-near-max", object: "public.orders_id_seq")
    }

    @Test func roleWithoutPrivilegesStillGetsAReport() async throws {
        let database = try await DoctorCluster.database(planting: Self.planted)
        try await DoctorCluster.cluster.psql(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nobody_special') THEN CREATE ROLE nobody_special LOGIN; END IF; END $$;",
            database: database)
        let held = try await DoctorCluster.connect(database)
        try await DoctorCluster.run("BEGIN", on: held)
        try await DoctorCluster.run("SELECT 1", on: held)
        let report = try await DoctorCluster.check(database, user: "nobody_special")
        try await DoctorCluster.run("ROLLBACK", on: held)
        try await held.close()
        #expect(report.overview.contains { $0.name == "role" && $0.value.contains("without pg_monitor") })
        _ = try report.finding("missing-fk-index", object: "public.orders (customer_id)")
        let sessions = try #require(report.skipped.first { $0.check == "sessions" })
        #expect(sessions.isPartial && sessions.reason.contains("pg_monitor"))
        #expect(report.checksRun.count >= Doctor.checkNames.count - 2)
    }
}
