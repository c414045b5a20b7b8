@testable import EmbeddedPostgres
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TunerCore
import TunerTestSupport

/// `tuner run` as a user runs it: the binary, a real HTTP target, a real cluster.
@Suite(.serialized)
struct RunCommandTests {
    @Test func runWritesTheFourFilesWithTheDatabaseSectionAndHonoursThresholds() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("observed")
            let out = LoadBinaryRunner.temporaryPath("run-report")
            defer { try? FileManager.default.removeItem(atPath: out) }
            // --metrics-listen serves the load while it runs, as 'tuner load' does: scraped every 200 ms.
            let metricsPortReservation = try TestPorts.reserve()
            defer { metricsPortReservation.release() }
            let metricsPort = metricsPortReservation.port
            let scraper = MetricsScraper(port: metricsPort, keepingPagesWith: "tuner_requests_total{")
            defer { scraper.stop() }
            // One session of the observed database busy for the whole run: the database's live figures must show it.
            // It sleeps longer than any run takes (the cluster's fast shutdown ends it), and the run starts once it shows
            // as active: a 6 s sleep once ended before a starved machine's run had sampled anything.
            let busy = Task.detached { try? await cluster.psql("SELECT pg_sleep(120)", database: "observed") }
            defer { busy.cancel() }
            for _ in 0..<200 {
                let sleeping = try await cluster.psql(
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(120)%'",
                    database: "observed")
                if sleeping.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("1") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let run = try await LoadBinaryRunner.run(
                ["run", server.url + "/", "--rate", "50", "--duration", "2s", "--db", url, "--out", out, "--quiet",
                 "--threshold", "error_rate < 1%", "--service-pid", String(ProcessInfo.processInfo.processIdentifier),
                 "--metrics-listen", "127.0.0.1:\(metricsPort)"],
                timeout: .seconds(120))
            #expect(run.status == 0, "\(run.stderr)")
            for file in ["result.json", "report.md", "report.html", "junit.xml"] {
                #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"), "\(file) missing")
            }
            let result = try ResultFile.read("\(out)/result.json")
            let database = try #require(result.database, "tuner run records what the database did")
            #expect(database.maxConnections == 100)
            #expect(!database.connections.isEmpty)
            #expect(result.findings.contains { $0.source == "check" }, "tuner db check's findings are part of the run")
            #expect(run.stdout.contains("Findings ("))
            #expect(!run.stderr.contains("password"))
            // The service here is this test process (it serves the target): its CPU and memory are in the result.
            let service = try #require(result.service, "--service-pid measures the service")
            #expect(service.source == "pid \(ProcessInfo.processInfo.processIdentifier)")
            #expect((service.cpuMillisecondsPerRequest ?? 0) > 0 && (service.residentBytesPeak ?? 0) > 0)
            #expect(run.stdout.contains("service (pid "), "\(run.stdout)")
            let pages = scraper.stop()
            // One page with request counters is proof enough: it can only come from the live run (the process
            // exits when the run ends). More are not asserted: on a starved machine the scraper may get one turn.
            #expect(pages.count >= 1, "tuner run served its load's metrics while it ran")
            let active = pages.compactMap { page in
                PrometheusText.parse(page).first { $0.name == "tuner_db_connections" && $0.labels["state"] == "active" }?.value
            }
            #expect(active.contains { $0 >= 1 }, "the busy session is an active connection in the live figures: \(active)")

            // A threshold the target cannot meet: the files are still written, the exit code is 99.
            let failing = try await LoadBinaryRunner.run(
                ["run", server.url + "/", "--rate", "20", "--duration", "1s", "--db", url, "--out", out, "--quiet",
                 "--no-check", "--no-advise", "--threshold", "rps > 100000", "--baseline", "\(out)/result.json"],
                timeout: .seconds(120))
            #expect(failing.status == 99, "\(failing.stderr)")
            #expect(failing.stderr.contains("against the baseline"))
            let junit = try String(contentsOfFile: "\(out)/junit.xml", encoding: .utf8)
            #expect(junit.contains("<failure"))
        }
    }

    /// `pg_ctl restart -m fast` in the middle of a run: the run ends on time, writes its files and says that
    /// the database figures across the restart are left out (it used to hang after the load).
    @Test func aPostgresRestartMidRunNeitherHangsNorLosesTheResult() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("restarted")
            let out = LoadBinaryRunner.temporaryPath("run-restart")
            defer { try? FileManager.default.removeItem(atPath: out) }
            // The restart runs on a thread of its own, not the cooperative pool: other suites' blocking calls
            // can hold that pool for seconds, and the restart must land while the load runs. It waits until
            // the load has answered 40 requests (the baseline snapshot precedes the first request).
            let restarted = LockedBox<String?>(nil)
            Thread.detachNewThread {
                let started = ContinuousClock.now
                while server.requestCount < 40 && ContinuousClock.now - started < .seconds(60) {
                    Thread.sleep(forTimeInterval: 0.05)
                }
                do {
                    try cluster.restartBlocking()
                    restarted.set("restarted after \(server.requestCount) requests")
                } catch {
                    restarted.set("restart failed: \(error)")
                }
            }
            let running = Task.detached {
                try LoadBinaryRunner.run(
                    ["run", server.url + "/", "--rate", "20", "--duration", "8s", "--db", url, "--out", out, "--quiet",
                     "--no-check", "--no-advise"],
                    timeout: .seconds(90))
            }
            let run = try await running.value
            #expect(run.status == 0, "\(run.stderr)")
            let result = try ResultFile.read("\(out)/result.json")
            #expect(result.overall.count > 100)
            #expect(result.notes.contains { $0.contains("PostgreSQL restarted during the run") },
                    "\(restarted.get() ?? "not restarted") · \(result.notes) · \(run.stderr)")
            #expect(result.database?.queries.isEmpty == true)
        }
    }

    @Test func unreachableDatabaseIsOneLineAndNoLoadRuns() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let out = LoadBinaryRunner.temporaryPath("run-nodb")
        let run = try await LoadBinaryRunner.run(
            ["run", server.url + "/", "--duration", "30s", "--db", "postgres://tuner:secret@127.0.0.1:1/none", "--out", out])
        #expect(run.status == 1)
        let errorLines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errorLines.count == 1, "\(run.stderr)")
        #expect(!run.stderr.contains("secret"), "the password is never printed")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing was measured, nothing written")
    }

    @Test func missingDatabaseAndBadMetricsAreUsageErrors() async throws {
        let noDB = try await LoadBinaryRunner.run(["run", "http://127.0.0.1:9/", "--duration", "1s"], withoutDatabaseEnvironment: true)
        #expect(noDB.status == 64, "\(noDB.stderr)")
        #expect(noDB.stderr.contains("--db"))
        let badMetrics = try await LoadBinaryRunner.run(["run", "http://127.0.0.1:9/", "--db", "postgres://x@127.0.0.1/x",
                                                   "--metrics", "not a url"])
        #expect(badMetrics.status == 64)
        #expect(badMetrics.stderr.contains("--metrics"))
        let both = try await LoadBinaryRunner.run(["run", "http://127.0.0.1:9/", "--db", "postgres://x@127.0.0.1/x",
                                                   "--service-pid", "1", "--service-cgroup", "/sys/fs/cgroup"])
        #expect(both.status == 64 && both.stderr.contains("not both"), "\(both.stderr)")
    }
}
