import EmbeddedPostgres
import Foundation
import Testing
import TunerCore
import TunerTestSupport

/// `tuner run --capacity` against services backed by a real PostgreSQL whose bottleneck is known by
/// construction: the report must name it.
@Suite(.serialized) struct RunCapacityTests {
    static func search(_ target: String, database: String, out: String, extra: [String]) -> [String] {
        // p75: a step of 3 s at a few requests per second holds enough requests to decide it (13 are needed; a p95
        // needs 72, which at these rates would take longer than the steps may).
        ["run", target, "--db", database, "--capacity", "--slo", "p75 < 1s", "--start", "3", "--step-duration", "3s",
         "--step-warm-up", "1s", "--confirm", "3s", "--precision", "15%", "--no-check", "--no-advise", "--quiet",
         // A request waiting 5 s has failed a 1 s SLO: a failing step's drain need not wait longer.
         "--timeout", "5s", "--out", out] + extra
    }

    /// Two pool slots, 250 ms of database time each (8 requests/s): past that every slot is in use and requests queue.
    @Test func aServicePoolThatLimitsIsNamedAtTheBreakingPoint() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let database = try await cluster.createDatabase("pooled")
            let server = try await DatabaseFixtureServer.start(mode: "pool", pool: 2, databaseURL: database)
            defer { server.stop() }
            let out = LoadBinaryRunner.temporaryPath("run-capacity")
            defer { try? FileManager.default.removeItem(atPath: out) }
            let run = try await LoadBinaryRunner.runOffThePool(
                Self.search(server.url + "/work", database: database, out: out, extra: ["--metrics", server.url + "/metrics"]),
                // Generous: with the whole suite at once on a starved CI machine one search took more than 300 s.
                timeout: .seconds(600))
            #expect(run.status == 0, "\(run.stderr.suffix(2000))")
            #expect(run.stdout.contains("the limit was the service's connection pool"), "\(run.stdout.suffix(2500))")
            let result = try ResultFile.read(out + "/result.json")
            let capacity = try #require(result.capacity)
            #expect(capacity.saturation?.first?.contains("connection pool (all 2 connections in use") == true)
            // The pool caps the database time (two sessions at most), so a statement may or may not grow between
            // the two steps; when one is named, it is the one every request runs.
            let grown = capacity.saturation?.filter { $0.hasPrefix("the statement whose time grew most") } ?? []
            #expect(grown.allSatisfy { $0.contains("pg_sleep") }, "\(grown)")
            // At the failing step the pool was full (2 of 2); at the last passing one the sampled peak may be 1 or 2
            // (two requests overlap only briefly below the capacity, and the pool is read once a second).
            #expect(capacity.saturation?.contains {
                $0.hasPrefix("service pool in use: max 1 → 2 of 2") || $0.hasPrefix("service pool in use: max 2 → 2 of 2")
            } == true, "\(capacity.saturation ?? [])")
            #expect(result.database != nil, "the confirmation window was observed")
            let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
            #expect(markdown.contains("connection pool"))
        }
    }

    /// Every request updates the same row and holds its lock 100 ms: past the capacity sessions wait on the lock,
    /// while the service's pool (16) has room.
    @Test func lockWaitsThatLimitAreNamedAtTheBreakingPoint() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let database = try await cluster.createDatabase("locked")
            let server = try await DatabaseFixtureServer.start(mode: "lock", pool: 16, databaseURL: database)
            defer { server.stop() }
            let out = LoadBinaryRunner.temporaryPath("run-capacity-lock")
            defer { try? FileManager.default.removeItem(atPath: out) }
            let run = try await LoadBinaryRunner.runOffThePool(
                Self.search(server.url + "/work", database: database, out: out, extra: []), timeout: .seconds(600))
            #expect(run.status == 0, "\(run.stderr.suffix(2000))")
            let result = try ResultFile.read(out + "/result.json")
            let first = try #require(result.capacity?.saturation?.first, "\(run.stdout.suffix(2500))")
            #expect(first.contains("lock waits"), "\(result.capacity?.saturation ?? [])")
            #expect(!first.contains("connection pool"))
        }
    }
}
