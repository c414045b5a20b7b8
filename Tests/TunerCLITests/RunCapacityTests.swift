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

    /// Starts `db_server.py` in `mode` against a fresh database, runs the search against it (`extra` from the running
    /// server: `--metrics`, `--service-pid`), and returns the run, its result and the report's Markdown.
    static func searched(_ mode: String, pool: Int, extra: (DatabaseFixtureServer) -> [String]) async throws
        -> (run: LoadBinaryRunner.Outcome, result: LoadResult?, markdown: String?)
    {
        try await EmbeddedCluster.withCluster { cluster in
            let database = try await cluster.createDatabase(mode)
            let server = try await DatabaseFixtureServer.start(mode: mode, pool: pool, databaseURL: database)
            defer { server.stop() }
            let out = LoadBinaryRunner.temporaryPath("run-capacity-\(mode)")
            defer { try? FileManager.default.removeItem(atPath: out) }
            let run = try await LoadBinaryRunner.runOffThePool(
                Self.search(server.url + "/work", database: database, out: out, extra: extra(server)),
                // Generous: with the whole suite at once on a starved CI machine one search took more than 300 s.
                timeout: .seconds(600))
            return (run, try? ResultFile.read(out + "/result.json"), try? String(contentsOfFile: out + "/report.md", encoding: .utf8))
        }
    }

    /// Two pool slots, 250 ms of database time each (8 requests/s): past that every slot is in use and requests queue.
    @Test func aServicePoolThatLimitsIsNamedAtTheBreakingPoint() async throws {
        let (run, result, markdown) = try await Self.searched("pool", pool: 2) { ["--metrics", $0.url + "/metrics"] }
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains("the limit was the service's connection pool"), "\(run.stdout.suffix(2500))")
        let capacity = try #require(result?.capacity)
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
        #expect(result?.database != nil, "the confirmation window was observed")
        #expect(markdown?.contains("connection pool") == true)
    }

    /// The same pool of two without a `--metrics` endpoint, the service metered by pid: the breaking point is named
    /// from the service's database sessions (two, all busy, their number flat), not from its CPU (psql's start is all
    /// it burns, a fraction of a core), and the findings say the same.
    @Test func aServicePoolIsNamedFromItsDatabaseSessionsWithoutMetrics() async throws {
        let (run, result, _) = try await Self.searched("pool", pool: 2) { ["--service-pid", String($0.pid)] }
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        let capacity = try #require(result?.capacity)
        #expect(capacity.limit == "service-pool", "\(capacity.saturation ?? [])")
        #expect(capacity.saturation?.first?.contains("the service's connection pool (all 2 of its database sessions busy") == true,
                "\(capacity.saturation ?? [])")
        Self.expectFindingsAgree(result, limit: "pool-saturation")
    }

    /// 30 ms of CPU per request under Python's interpreter lock (one core at most), no database work: the breaking
    /// point is named as the service's CPU, metered by pid at every step, and the findings say the same.
    @Test func aServiceCPUThatLimitsIsNamedAtTheBreakingPoint() async throws {
        let (run, result, _) = try await Self.searched("cpu", pool: 16) { ["--service-pid", String($0.pid)] }
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        let capacity = try #require(result?.capacity)
        #expect(capacity.limit == "service-cpu", "\(capacity.saturation ?? [])")
        #expect(capacity.saturation?.first?.contains("the limit was the service's CPU") == true, "\(capacity.saturation ?? [])")
        Self.expectFindingsAgree(result, limit: "service-cpu-saturation")
    }

    /// The finding of the limit the capacity section names is in the findings, and none of another limit is.
    static func expectFindingsAgree(_ result: LoadResult?, limit: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let ids = Set(result?.findings.map(\.id) ?? [])
        #expect(ids.contains(limit), "\(ids)", sourceLocation: sourceLocation)
        let others = ["pool-saturation", "service-cpu-saturation", "lock-waits-during-load"].filter { $0 != limit }
        #expect(ids.isDisjoint(with: others), "\(ids)", sourceLocation: sourceLocation)
    }

    /// Every request updates the same row and holds its lock 100 ms: past the capacity sessions wait on the lock,
    /// while the service's pool (16) has room.
    @Test func lockWaitsThatLimitAreNamedAtTheBreakingPoint() async throws {
        let (run, result, _) = try await Self.searched("lock", pool: 16) { _ in [] }
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        let first = try #require(result?.capacity?.saturation?.first, "\(run.stdout.suffix(2500))")
        #expect(first.contains("lock waits"), "\(result?.capacity?.saturation ?? [])")
        #expect(!first.contains("connection pool"))
        #expect(result?.capacity?.limit == "lock-waits")
        Self.expectFindingsAgree(result, limit: "lock-waits-during-load")
    }
}
