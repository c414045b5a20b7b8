import Foundation
import Logging
import PostgresNIO
import Testing
import TunerCore
import TunerTestSupport

@testable import EmbeddedPostgres
@testable import TunerPostgres

#if canImport(Glibc)
import Glibc
#endif

/// The live picture against a real PostgreSQL, and the generated pgbouncer.ini run by a real PgBouncer.
@Suite(.serialized) struct PoolLiveTests {
    static func connect(_ cluster: EmbeddedCluster, database: String) async throws -> PostgresConnection {
        let configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: cluster.port, username: "postgres", password: nil, database: database,
            tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
    }

    @Test func peakActiveAndStatesOfPlantedConnections() async throws {
        try await EmbeddedCluster.withCluster(.init(settings: ["max_connections": "20"])) { cluster in
            let url = try await cluster.createDatabase("busy")
            var idle: [PostgresConnection] = []
            for _ in 0..<3 { idle.append(try await Self.connect(cluster, database: "busy")) }
            var busy: [PostgresConnection] = []
            for _ in 0..<4 { busy.append(try await Self.connect(cluster, database: "busy")) }
            var settings = try ConnectionSettings(url: url)
            settings.sslMode = .disable
            let picture = try await withThrowingTaskGroup(of: Void.self) { group in
                // Long sleeps, cancelled once observed: on a machine busy enough to take seconds to send them,
                // short ones could be over before the sampling starts.
                for connection in busy {
                    group.addTask {
                        _ = try? await connection.query("SELECT pg_sleep(60)", logger: Logger(label: "test")).collect()
                    }
                }
                // Let the sleeps start before sampling, polling from the observing session itself so that no
                // extra connection is counted.
                let picture = try await DatabaseSession.withSession(settings) { session in
                    let planted = "datname = 'busy' AND query = 'SELECT pg_sleep(60)'"
                    for _ in 0..<2400 {  // up to 2 minutes on a machine busy with the suites beside this one
                        let active = try await session.scalar(
                            "SELECT count(*) AS n FROM pg_stat_activity WHERE \(planted) AND state = 'active'")?.int
                        if active == 4 { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    let picture = try await LivePoolPicture.observe(in: session, duration: .seconds(1))
                    try await session.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE \(planted)")
                    return picture
                }
                try await group.waitForAll()
                return picture
            }
            for connection in idle + busy { try await connection.close() }
            #expect(picture.maxConnections == 20)
            #expect(picture.reservedConnections == 3)
            #expect(picture.peakActive == 4)
            #expect(picture.peakOpen == 7)
            #expect(picture.connectionsByState.first { $0.state == "idle" }?.count == 3)
            #expect(picture.connectionsByState.first { $0.state == "active" }?.count == 4)
            #expect(picture.samples >= 8)
            #expect(picture.invisibleSessions == 0)
            // 7 of 17 usable connections is not near the limit; 4 active exceed a pool of (1 × 2) + 1 = 3.
            let small = PoolSizing(try .init(databaseCPUs: 1, spindles: 1))
            let assessment = picture.assessment(against: small)
            #expect(assessment.contains { $0.contains("peak active 4 exceeds the recommended pool of 3") })
            #expect(!assessment.contains { $0.contains("close to max_connections") })
            #expect(!assessment.contains { $0.contains("is below the") })  // 20 ≥ 3 + 1 + 3 + 5
            // (8 × 2) + 1 = 17 fits the 4 active ones, but needs 17 + 4 + 3 + 5 = 29 > 20 server slots.
            let roomy = picture.assessment(against: PoolSizing(try .init(databaseCPUs: 8, spindles: 1)))
            #expect(roomy.contains { $0.contains("fits in the recommended pool of 17") })
            #expect(roomy.contains { $0.contains("max_connections = 20 is below the 29") })
        }
    }

    @Test func otherRolesSessionsAreCountedAsInvisible() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("shared")
            try await cluster.psql("CREATE ROLE watcher LOGIN", database: "shared")
            let other = try await Self.connect(cluster, database: "shared")
            var settings = try ConnectionSettings(url: url)
            settings.sslMode = .disable
            settings.user = "watcher"
            let picture = try await DatabaseSession.withSession(settings) { session in
                try await LivePoolPicture.observe(in: session, duration: .milliseconds(200))
            }
            try await other.close()
            #expect(picture.invisibleSessions >= 1)
            let text = picture.text(server: url, against: PoolSizing(try .init(databaseCPUs: 2)))
            #expect(text.contains("not visible to this role"))
            #expect(text.contains("grant pg_monitor"))
        }
    }

    @Test func generatedINIRunsInPgBouncer() async throws {
        let pgbouncer = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(pgbouncer != nil, "pgbouncer is not installed (apt-get install pgbouncer)")
        try await EmbeddedCluster.withCluster { cluster in
            let directory = NSTemporaryDirectory() + "tuner-pgbouncer-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try "\"postgres\" \"\"\n".write(toFile: directory + "/userlist.txt", atomically: true, encoding: .utf8)
            let reservation = try TestPorts.reserve()
            defer { reservation.release() }
            let port = reservation.port
            let sizing = PoolSizing(try .init(databaseCPUs: 2, spindles: 1))
            let config = PgBouncerConfig(
                sizing: sizing, serverHost: "127.0.0.1", serverPort: cluster.port, database: cluster.database,
                listenPort: port, authType: "trust", authFile: directory + "/userlist.txt",
                extraSettings: [("unix_socket_dir", directory), ("logfile", directory + "/pgbouncer.log"),
                                ("admin_users", "postgres")])
            try config.ini.write(toFile: directory + "/pgbouncer.ini", atomically: true, encoding: .utf8)
            #expect(try INI.parse(config.ini)["pgbouncer"]?["pool_mode"] == "transaction")
            let runAsPostgres = geteuid() == 0
            if runAsPostgres { _ = try TestProgram.run("/bin/chown", ["-R", "postgres", directory]) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: pgbouncer!)
            process.arguments = (runAsPostgres ? ["-u", "postgres"] : []) + [directory + "/pgbouncer.ini"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer {
                // SIGKILL: the test runner blocks SIGTERM in the child's inherited signal mask.
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            let psql = cluster.installation.binary("psql")
            var answer = ""
            for _ in 0..<50 where answer != "1" {
                try await Task.sleep(for: .milliseconds(100))
                answer = (try? TestProgram.run(psql, ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d",
                                               cluster.database, "-Atc", "SELECT 1"])) ?? ""
            }
            let log = (try? String(contentsOfFile: directory + "/pgbouncer.log", encoding: .utf8)) ?? ""
            #expect(answer == "1", "a query through PgBouncer; its log: \(log)")
            let shown = try TestProgram.run(psql, ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "pgbouncer",
                                            "-Atc", "SHOW CONFIG"])
            var values: [String: String] = [:]
            for line in shown.split(separator: "\n") {
                let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                if fields.count >= 2 { values[fields[0]] = fields[1] }
            }
            #expect(values["pool_mode"] == "transaction")
            #expect(values["default_pool_size"] == String(sizing.totalConnections))
            #expect(values["reserve_pool_size"] == String(sizing.reservePoolSize))
            #expect(values["max_client_conn"] == String(sizing.maxClientConnections))
        }
    }
}
