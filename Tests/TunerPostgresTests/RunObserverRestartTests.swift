import EmbeddedPostgres
import Foundation
import Testing

@testable import TunerPostgres

/// The observation when the database goes away under it: a restart mid-run, and a database that cannot be
/// reached after the load. Neither may hang the run or pass off wrong deltas as the run's.
@Suite(.serialized) struct RunObserverRestartTests {
    @Test(.timeLimit(.minutes(5))) func aRestartMidRunIsNoticedAndItsDeltasLeftOut() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("restarted")
            try await cluster.psql("""
                CREATE TABLE t (id int, payload text);
                INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
                ANALYZE;
                """, database: "restarted")
            let settings = try ConnectionSettings(url: url)
            let (_, observation) = try await DatabaseSession.withSession(settings) { session in
                // Sampled often, so that many samples fail while the server is down (a slow restart on a busy
                // machine fails as many): the restart must still be said, however many failures came first.
                try await RunObserver.observe(session, interval: .milliseconds(20), drainLimit: .seconds(1)) {
                    for _ in 0..<5 { try await cluster.psql("SELECT count(*) FROM t WHERE payload LIKE 'a%'", database: "restarted") }
                    try await Task.sleep(for: .milliseconds(500))  // a few samples on the first connection
                    try await cluster.restart()
                    try await cluster.psql("SELECT count(*) FROM t", database: "restarted")
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
            #expect(observation.didServerRestart)
            #expect(!observation.isDatabaseLost)
            #expect(observation.notes.contains { $0.contains("PostgreSQL restarted during the run") })
            #expect(observation.notes.filter { $0.contains("failed (") }.count <= 1, "failed samples are one line")
            // Statistics started again with the server: nothing from before the restart poses as the run's.
            let run = observation.databaseRun(maxConnections: 100)
            #expect(run.queries.isEmpty)
            #expect(run.tables.allSatisfy { $0.sequentialScans == 0 })
            #expect(!run.connections.isEmpty, "the activity samples are kept")
        }
    }

    @Test(.timeLimit(.minutes(5))) func aDatabaseUnreachableAfterTheLoadLeavesTheResultWithoutItsFigures() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("lost")
            let settings = try ConnectionSettings(url: url)
            let (value, observation) = try await DatabaseSession.withSession(settings) { session in
                try await RunObserver.observe(session, interval: .milliseconds(200), drainLimit: .seconds(1)) {
                    try await Task.sleep(for: .milliseconds(500))
                    // No new connection to the database is allowed, and the observer's is ended.
                    try await cluster.psql("""
                        ALTER DATABASE lost ALLOW_CONNECTIONS false;
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'lost';
                        """, database: "postgres")
                    return 42
                }
            }
            #expect(value == 42, "the load's own result comes back")
            #expect(observation.isDatabaseLost)
            #expect(observation.notes.contains { $0.contains("could not be read after the load") })
            #expect(observation.databaseRun(maxConnections: nil).queries.isEmpty)
            try await cluster.psql("ALTER DATABASE lost ALLOW_CONNECTIONS true", database: "postgres")
        }
    }
}
