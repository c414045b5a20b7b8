import Foundation
import Testing
import TunerCore
import TunerTestSupport

@testable import TunerPostgres

/// pg_stat_statements: missing, slow statements, temp-file spills, and the reader `tuner run` uses.
@Suite(.serialized, .suiteCluster)
struct DoctorQueryTests {
    @Test func extensionDroppedFromTheDatabase() async throws {
        let database = try await DoctorCluster.database(planting: "DROP EXTENSION pg_stat_statements")
        let report = try await DoctorCluster.check(database)
        let missing = try report.finding("pg-stat-statements-missing", object: "pg_stat_statements")
        #expect(try missing.value("extension installed") == "no")
        #expect(try missing.value("library preloaded") == "yes")
        #expect(missing.fix == "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;")
        #expect(report.findings(withID: "slow-query").isEmpty)
    }

    @Test func slowStatementAndTempSpillWithTheirFigures() async throws {
        let database = try await DoctorCluster.database()
        let cluster = try DoctorCluster.cluster
        try await cluster.psql("SELECT pg_sleep(0.15); SELECT pg_sleep(0.15); SELECT pg_sleep(0.15);", database: database)
        try await cluster.psql(
            "SET work_mem = '64kB'; SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC) s;",
            database: database)
        func queryID(_ pattern: String) async throws -> String {
            try await cluster.psql(
                """
                SELECT queryid FROM pg_stat_statements
                WHERE query LIKE '\(pattern)' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                """, database: database
            ).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let sleepID = try await queryID("SELECT pg_sleep%")
        let sortID = try await queryID("SELECT count(*) FROM (SELECT g FROM generate_series%")
        let report = try await DoctorCluster.check(database, thresholds: ["temp-spill-size": "1MB"])
        let slow = try report.finding("slow-query", object: "query \(sleepID)")
        #expect(try slow.number("calls") == 3)
        #expect(try slow.number("mean") >= 150)
        #expect(try slow.number("stddev") >= 0)
        #expect(try slow.value("query") == "SELECT pg_sleep($1)")
        #expect(slow.fix?.hasPrefix("EXPLAIN (ANALYZE, BUFFERS) SELECT pg_sleep($1);") == true)
        let spill = try report.finding("query-temp-spill", object: "query \(sortID)")
        #expect(try spill.number("temp written") >= 1024 * 1024)
        #expect(try spill.number("temp blocks written") > 0)
        #expect(try spill.number("temp per call") == spill.number("temp written"), "one call")
        #expect(!report.findings.contains { $0.evidence(named: "query")?.value.contains("tuner doctor") == true },
                "the doctor's own statements are left out")
    }

    @Test func readerSnapshotForDeltas() async throws {
        let database = try await DoctorCluster.database(planting: "CREATE TABLE t (v int)")
        let cluster = try DoctorCluster.cluster
        let settings = ConnectionSettings(host: "127.0.0.1", port: cluster.port, user: "postgres", database: database,
                                          sslMode: .disable)
        let (before, after) = try await DatabaseSession.withSession(settings) { session in
            let before = try await StatementStatisticsReader.snapshot(session: session)
            try await cluster.psql("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);", database: database)
            let after = try await StatementStatisticsReader.snapshot(session: session)
            return (before, after)
        }
        let insert = try #require(after.first { $0.query.hasPrefix("INSERT INTO t VALUES") })
        let earlier = before.first { $0.queryID == insert.queryID }?.calls ?? 0
        #expect(insert.calls - earlier == 2)
        #expect(insert.rows >= 2)
    }
}

/// A cluster whose shared_preload_libraries lacks pg_stat_statements: the extension exists, the view fails.
@Suite(.serialized, .suiteCluster(settings: ["shared_preload_libraries": "''"]))
struct DoctorNotPreloadedTests {
    @Test func extensionInstalledButLibraryNotPreloaded() async throws {
        let database = try await DoctorCluster.database()
        let report = try await DoctorCluster.check(database)
        let missing = try report.finding("pg-stat-statements-missing", object: "pg_stat_statements")
        #expect(try missing.value("extension installed") == "yes")
        #expect(try missing.value("library preloaded") == "no")
        #expect(missing.fix?.contains("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';") == true)
        #expect(missing.fix?.contains("restart") == true)
        #expect(missing.fix?.contains("CREATE EXTENSION") == false)

        // A role that cannot read shared_preload_libraries learns the same from the view's error.
        try await DoctorCluster.cluster.psql("CREATE ROLE plain_reader LOGIN", database: database)
        let plain = try await DoctorCluster.check(database, user: "plain_reader")
        let seen = try plain.finding("pg-stat-statements-missing", object: "pg_stat_statements")
        #expect(try seen.value("library preloaded") == "no")
    }
}
