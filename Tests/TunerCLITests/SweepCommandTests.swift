import EmbeddedPostgres
import Foundation
import Testing
import TunerCore
import TunerTestSupport

/// `tuner sweep` as a user runs it: the binary starts and stops a real service process per point.
@Suite(.serialized) struct SweepCommandTests {
    static var poolServer: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pool_server.py").path
    }

    /// Processes whose command line holds `mark` (a sweep must leave none behind).
    static func processes(marked mark: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid in
            guard Int(pid) != nil, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return line.contains(mark) && !line.contains("tuner sweep") ? line : nil
        }
    }

    /// The median of the last `count` times a pool server wrote to its log, in ms.
    static func lastMedian(ofLog path: String, count: Int) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let times = text.split(separator: "\n").compactMap { Double($0) }.suffix(count).sorted()
        return times.isEmpty ? nil : times[times.count / 2]
    }

    /// Capacity is 10 × min(POOL, 4) req/s by construction: the knee, the recommendation, is POOL=4. Evenly spaced
    /// arrivals, whose truth this is (random ones queue below it; CapacitySearchTests checks the search against an
    /// M/D/2 queue's), and p75: a 2 s step at a few requests per second holds enough requests to decide it.
    @Test func recommendsTheKnownBestValueAndLeavesNoProcessBehind() async throws {
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let mark = "sweep-\(UUID().uuidString.prefix(8))"
        let json = LoadBinaryRunner.temporaryPath("sweep.json")
        let ownTimes = LoadBinaryRunner.temporaryPath("sweep-own")
        defer {
            try? FileManager.default.removeItem(atPath: json)
            for pool in [1, 2, 4, 8] { try? FileManager.default.removeItem(atPath: "\(ownTimes)-\(pool).log") }
        }
        let run = try await LoadBinaryRunner.runOffThePool(
            ["sweep", "http://127.0.0.1:\(port)/work", "--service", "exec python3 \(Self.poolServer) \(port) \(mark) \(ownTimes)",
             "--ready", "http://127.0.0.1:\(port)/health", "--param", "POOL=1,2,4,8", "--slo", "p75 < 1s",
             "--start", "5", "--step-duration", "2s", "--step-warm-up", "300ms", "--confirm", "2s", "--precision", "10%",
             "--max-step", "6s", "--arrivals", "uniform",
             "--json", json],
            timeout: .seconds(300))
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains("recommended: POOL=4:"), "\(run.stdout)")
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect((result?["knee"] as? [String: String]) == ["POOL": "4"])
        let capacities = (result?["points"] as? [[String: Any]])?.compactMap { $0["capacity"] as? Double } ?? []
        #expect(capacities.count == 4)
        if capacities.count == 4 {
            // 10, 20, 40, 40 req/s by construction (-20%..+10%: a shared machine, a 10% precision).
            for (found, truth) in zip(capacities, [10.0, 20, 40, 40]) {
                #expect(found >= truth * 0.8 && found <= truth * 1.1, "found \(capacities)")
            }
        }
        // Every point measured once more at one common rate, half the first capacity (about 5 req/s), where each
        // request takes its service time: 100 ms × max(1, POOL / 4) by construction.
        let common = try #require(result?["commonRate"] as? Double)
        #expect(common >= 4 && common <= 5.5, "\(common)")
        let medians = (result?["points"] as? [[String: Any]])?.compactMap { ($0["atCommonRate"] as? [String: Any])?["p50"] as? Double } ?? []
        #expect(medians.count == 4)
        // Never faster than the construction. A Python service on a CI machine shared with other suites runs slower
        // than its sleep, so the upper bound is the service's own account of the same requests (the last ones each
        // point served were the common-rate window's): the engine may add its own and the network's little, not more.
        for (pool, (median, truth)) in zip([1, 2, 4, 8], zip(medians, [100.0, 100, 100, 200])) {
            let own = Self.lastMedian(ofLog: "\(ownTimes)-\(pool).log", count: 8)
            #expect(median >= truth * 0.95, "p50 at the common rate: \(medians)")
            #expect(own.map { median <= max(truth, $0) * 1.25 + 20 } == true,
                    "POOL=\(pool): p50 \(median) ms at the common rate, the service's own p50 \(own.map { "\($0)" } ?? "missing") ms")
        }
        if medians.count == 4 { #expect(medians[3] >= medians[2] * 1.5, "p50 at the common rate: \(medians)") }
        #expect(run.stdout.contains("p95 @ "), "\(run.stdout)")
        #expect(Self.processes(marked: mark).isEmpty, "left behind: \(Self.processes(marked: mark))")
    }

    @Test func aServiceThatFailsIsAFailedPointAndTheSweepGoesOn() async throws {
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let mark = "sweep-\(UUID().uuidString.prefix(8))"
        // POOL=0 exits at once; POOL=x never answers on the port (it is not a number); POOL=1 works.
        let run = try await LoadBinaryRunner.runOffThePool(
            ["sweep", "http://127.0.0.1:\(port)/work", "--service", "exec python3 \(Self.poolServer) \(port) \(mark)",
             "--ready", "http://127.0.0.1:\(port)/health", "--ready-timeout", "3s", "--param", "POOL=0,x,1",
             "--measure", "rate=10", "--duration", "1s", "--warm-up", "0s", "--slo", "p99 < 1s"],
            timeout: .seconds(120))
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains("failed: the service exited before"), "\(run.stdout)")
        #expect(run.stdout.contains("POOL must be positive") || run.stdout.contains("ValueError"), "\(run.stdout)")
        #expect(run.stdout.contains("recommended: POOL=1:"), "\(run.stdout)")
        #expect(Self.processes(marked: mark).isEmpty, "left behind: \(Self.processes(marked: mark))")
    }

    /// Something else already answers at the ready URL: every point would measure that process, not the service.
    @Test func refusesWhenTheReadyURLAnswersBeforeTheServiceStarted() async throws {
        let other = try await TestHTTPServer()
        defer { other.stopInBackground() }
        let mark = "sweep-\(UUID().uuidString.prefix(8))"
        let run = try await LoadBinaryRunner.runOffThePool(
            ["sweep", other.url + "/", "--service", "exec sleep 30 # \(mark)", "--ready", other.url + "/",
             "--param", "POOL=1,2", "--measure", "rate=10", "--duration", "1s", "--warm-up", "0s", "--slo", "p99 < 1s"],
            timeout: .seconds(60))
        #expect(run.status == 1, "\(run.stderr)")
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1 && errors[0].contains("something already answers at \(other.url)/"), "\(run.stderr)")
        #expect(Self.processes(marked: mark).isEmpty, "the service was started")
    }

    @Test(arguments: [
        (["sweep", "http://127.0.0.1:9/", "--service", "true", "--ready", "http://127.0.0.1:9/", "--param", "POOL=",
          "--slo", "p99 < 1s"], "--param POOL has no values"),
        (["sweep", "http://127.0.0.1:9/", "--service", "true", "--ready", "http://127.0.0.1:9/", "--slo", "p99 < 1s"],
         "give at least one --param"),
        (["sweep", "http://127.0.0.1:9/", "--service", "true", "--ready", "http://127.0.0.1:9/", "--param", "A=1",
          "--measure", "fast", "--slo", "p99 < 1s"], "use capacity or rate=R"),
    ])
    func badInputIsOneLineAndExit64(arguments: [String], expected: String) throws {
        let run = try LoadBinaryRunner.run(arguments)
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains(expected), "\(run.stderr)")
    }

    /// One INSERT per request at 10 requests/s: each point's database figures are one statement and one row
    /// written per request.
    @Test func withADatabaseEachPointRecordsWhatTheDatabaseDid() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let database = try await cluster.createDatabase("swept")
            let reservation = try TestPorts.reserve()
            defer { reservation.release() }
            let port = reservation.port
            let json = LoadBinaryRunner.temporaryPath("sweep-db.json")
            defer { try? FileManager.default.removeItem(atPath: json) }
            let run = try await LoadBinaryRunner.runOffThePool(
                ["sweep", "http://127.0.0.1:\(port)/work", "--service", try DatabaseFixtureServer.command(port: port, mode: "insert", databaseURL: database),
                 "--ready", "http://127.0.0.1:\(port)/health", "--param", "POOL=1,4", "--measure", "rate=10",
                 "--duration", "3s", "--warm-up", "1s", "--slo", "p99 < 2s", "--db", database, "--json", json],
                timeout: .seconds(180))
            #expect(run.status == 0, "\(run.stderr.suffix(2000))")
            #expect(run.stdout.contains("rows w/s"), "\(run.stdout)")
            let sweep = try JSONDecoder().decode(SweepResult.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            #expect(sweep.points.count == 2)
            for point in sweep.points {
                let figures = try #require(point.database, "\(point)")
                // Per request, which a busy machine's slower drain does not change (per second it does).
                let requests = Double(figures.requests)
                #expect(requests >= 30, "\(figures)")
                let rows = figures.rowsWrittenPerSecond * figures.seconds
                #expect(abs(rows / requests - 1) < 0.1, "one row per request: \(figures)")
                // Two transactions per request: the INSERT's, and the one PostgreSQL counts when each of psql's
                // new sessions starts (the fixture connects per request, as a service without a pool would).
                let perRequest = try #require(figures.transactionsPerRequest)
                #expect(perRequest > 1.8 && perRequest < 2.5, "\(figures)")
                let statements = try #require(figures.statementsPerSecond, "pg_stat_statements is preloaded") * figures.seconds
                #expect(statements / requests > 0.95 && statements / requests < 1.3, "one statement per request: \(figures)")
                #expect(figures.walBytesPerSecond > 0)
            }
        }
    }
}
