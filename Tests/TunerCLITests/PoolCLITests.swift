import EmbeddedPostgres
import Foundation
import Testing

/// `tuner pool` run as the built binary: sizing, ini, JSON, the live picture, bad input.
@Suite(.serialized) struct PoolCLITests {
    @Test func poolTextIniAndJson() throws {
        let text = try DBConfigCLITests.tuner("pool", "--cpus", "4", "--spindles", "2", "--app-instances", "2")
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("= 10 connections in total"))
        #expect(text.stdout.contains("starting point"))
        #expect(text.stdout.contains("pool_mode = transaction"))
        let ini = try DBConfigCLITests.tuner("pool", "--cpus", "4", "--format", "ini")
        #expect(ini.stdout.hasPrefix("; pgbouncer.ini"))
        #expect(ini.stdout.contains("default_pool_size = 9"))
        let json = try DBConfigCLITests.tuner("pool", "--cpus", "4", "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["connections"] as? Int == 9)
        #expect(object["app_workers_per_instance"] as? Int == 9)
    }

    @Test(arguments: [
        (["--cpus", "0"], "accepted: 1 to 4096"),
        (["--cpus", "2", "--spindles=-1"], "accepted: 0 to 1000"),
        (["--cpus", "2", "--app-instances", "0"], "accepted: 1 to 10000"),
        (["--cpus", "2", "--format", "xml"], "accepted: text, ini, json"),
        (["--cpus", "2", "--sample", "forever"], "invalid duration"),
        (["--cpus", "2", "--sample", "1h"], "accepted: 100ms to 10m"),
    ])
    func poolBadInputIsOneLineAndExit64(arguments: [String], expected: String) throws {
        try DBConfigCLITests.expectUsageError(["pool"] + arguments, mentioning: expected)
    }

    @Test func poolLivePicture() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let result = try DBConfigCLITests.tuner("pool", "--cpus", "2", "--db", cluster.url + "?sslmode=disable",
                                        "--sample", "300ms")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("live picture of"))
            #expect(result.stdout.contains("max_connections 100"))
            #expect(result.stdout.contains("peak active"))
            #expect(result.stdout.contains("dbname=\(cluster.database)"))
            #expect(result.stderr.contains("sampling pg_stat_activity"))
        }
    }
}
