import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TunerCore
import TunerTestSupport

/// `tuner load` as a user runs it: the built binary against a real local server.
@Suite(.serialized) struct LoadCommandTests {
    @Test func urlRunPrintsTheSummaryAndWritesTheResult() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let json = LoadBinaryRunner.temporaryPath("result.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let outcome = try await LoadBinaryRunner.run([
            "load", server.url + "/", "-c", "4", "--duration", "1s", "--json", json, "--threshold", "error_rate < 1%",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("p99.9"))
        #expect(outcome.stdout.contains("✓ error_rate < 1%"))
        #expect(outcome.stderr.contains("tuner load http://127.0.0.1:\(server.port)"))
        let result = try ResultFile.read(json)
        // How many a second holds depends on the machine (32 in a clean-clone run at the parallel pass's busiest):
        // the result's figures agree with each other whatever the number.
        #expect(result.overall.count > 0)
        #expect(result.requests.reduce(0) { $0 + $1.count } == result.overall.count)
        #expect(result.overall.statusCodes["200"] == result.overall.count)
        #expect(result.overall.histograms.latency.hasPrefix("HISTFAAA"))
        #expect(result.configuration.connections == 4)
        #expect(!result.series.isEmpty)
    }

    @Test func crossedThresholdExits99() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let outcome = try await LoadBinaryRunner.run([
            "load", server.url + "/status/500", "-c", "2", "--duration", "1s", "--threshold", "error_rate < 1%",
            "--threshold", "GET /status/500: p99 < 10s",
        ])
        #expect(outcome.status == 99, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("✗ error_rate < 1%"))
        #expect(outcome.stdout.contains("✓ GET /status/500: p99 < 10s"))
        #expect(outcome.stdout.contains("status_5xx"))
    }

    @Test func openModelReportsTheSchedule() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let json = LoadBinaryRunner.temporaryPath("open.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let outcome = try await LoadBinaryRunner.run(["load", server.url, "--rate", "100", "--duration", "2s", "--json", json])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("schedule: target 100"))
        let result = try ResultFile.read(json)
        let schedule = try #require(result.schedule)
        #expect(abs(Int(schedule.planned) - 200) <= 1)
        #expect(result.configuration.model == "open")
    }

    @Test func jsonToStdoutMovesTheSummaryToStderr() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let outcome = try await LoadBinaryRunner.run(["load", server.url, "-c", "1", "--duration", "1s", "--json", "-"])
        #expect(outcome.status == 0)
        let data = Data(outcome.stdout.utf8)
        struct Probe: Decodable { var schemaVersion: Int }
        #expect(try JSONDecoder().decode(Probe.self, from: data).schemaVersion == LoadResult.currentSchemaVersion)
        #expect(outcome.stderr.contains("p99.9"))
    }

    @Test func scenarioFileRuns() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let file = LoadBinaryRunner.temporaryPath("shop.yaml")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try """
            target: \(server.url)
            scenarios:
              - connections: 2
                duration: 1s
                requests:
                  - { name: home, path: /, weight: 3 }
                  - { name: missing, path: /status/404 }
            thresholds:
              home: ["p99 < 5s"]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try await LoadBinaryRunner.run(["load", file])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("home"))
        #expect(outcome.stdout.contains("missing"))
        #expect(outcome.stdout.contains("✓ home: p99 < 5s"))
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var yaml: String?
        var message: String
        var testDescription: String { message }
    }

    static let badInputs: [BadInput] = [
        BadInput(arguments: ["--threshold", "p95 < quick"], message: "Error: --threshold: bad threshold 'p95 < quick'"),
        BadInput(arguments: ["--duration", "forever"], message: "Error: --duration: invalid duration 'forever'"),
        BadInput(arguments: ["--profile", "hammer"], message: "Error: unknown profile 'hammer'"),
        BadInput(arguments: [], yaml: "target: http://127.0.0.1:1\nscenarios:\n  - requests: [ { path: / }\n  x", message: "Error: bad.yaml:4: invalid YAML"),
        BadInput(arguments: [], yaml: "target: http://127.0.0.1:1\nscenarios:\n  - connections: 1\n    duraton: 1s\n    requests: [{ path: / }]\n",
                 message: "Error: bad.yaml:4: unknown key 'duraton' in a scenario"),
    ]

    @Test(arguments: badInputs)
    func badInputIsOneLineAndExit64(_ input: BadInput) async throws {
        var arguments = ["load"]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad.yaml").path
        if let yaml = input.yaml {
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            arguments.append(file)
        } else {
            arguments.append("http://127.0.0.1:1/")
        }
        defer { try? FileManager.default.removeItem(atPath: file) }
        let outcome = try await LoadBinaryRunner.run(arguments + input.arguments)
        #expect(outcome.status == 64)
        #expect(outcome.stderr.hasPrefix(input.message), "\(outcome.stderr)")
        #expect(outcome.stderr.split(separator: "\n").count == 1)
    }

    @Test func unreachableTargetExits1AndStillWritesTheResult() async throws {
        let json = LoadBinaryRunner.temporaryPath("refused.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let outcome = try await LoadBinaryRunner.run(["load", "http://127.0.0.1:\(port)/", "--duration", "10s", "--json", json])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("Error: cannot connect to http://127.0.0.1:\(port): connection refused"))
        let result = try ResultFile.read(json)
        #expect((result.overall.errors["refused"] ?? 0) > 0)
    }

    @Test(arguments: [
        (TestHTTPServer.Misbehaviour.garbage, "protocol"), (.silent, "timeout"), (.closeImmediately, "reset"),
    ])
    func misbehavingTargetsAreCountedAndExit1(_ mode: TestHTTPServer.Misbehaviour, kind: String) async throws {
        let server = try await TestHTTPServer(misbehaviour: mode)
        defer { server.stopInBackground() }
        let json = LoadBinaryRunner.temporaryPath("bad-target.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let outcome = try await LoadBinaryRunner.run([
            "load", server.url, "-c", "2", "--duration", "1s", "--timeout", "300ms", "--json", json,
        ])
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("Error: no request got an HTTP response"))
        #expect(outcome.stderr.contains(kind))
        let result = try ResultFile.read(json)
        #expect((result.overall.errors[kind] ?? 0) > 0)
    }

    @Test func hugeBodyIsCountedNotKept() async throws {
        // Large enough that a kept body would stand out against the debug binary's own ~100 MB.
        let size = 400 << 20
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let json = LoadBinaryRunner.temporaryPath("huge.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let outcome = try await LoadBinaryRunner.run([
            "load", "\(server.url)/big/\(size)", "-c", "1", "--duration", "2s", "--timeout", "20s", "--threads", "1", "--json", json,
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let result = try ResultFile.read(json)
        #expect(result.overall.count >= 1)
        #expect(result.overall.bytesReceived >= UInt64(size) * result.overall.count)
        // The body passes through a reused receive buffer: peak memory stays far below one body.
        let resident = try #require(result.generator.maxResidentBytes)
        #expect(resident < Int64(size / 2), "peak resident \(resident / 1_048_576) MB for a \(size / 1_048_576) MB body")
    }

    /// Ctrl-C (SIGINT) or SIGTERM once a second was measured (the JSON checkpoint has requests: it is written once a
    /// second whether or not stderr is a terminal) stops the run, keeps what it measured and exits 130 — also when
    /// the parent that started Tuner ignored and blocked both signals (a shell's background job, a CI runner), which
    /// a child inherits across exec.
    @Test(arguments: [(SIGINT, false), (SIGTERM, false), (SIGINT, true), (SIGTERM, true)])
    func ctrlCStopsTheRunAndKeepsWhatWasMeasured(signal: Int32, parentIgnoresAndBlocks: Bool) async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let json = LoadBinaryRunner.temporaryPath("interrupted.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let launcher = parentIgnoresAndBlocks ? ["/usr/bin/env", "python3", "-c", Self.ignoringAndBlockingSignals] : []
        let started = ContinuousClock.now
        let outcome = try await LoadBinaryRunner.run(
            ["load", server.url, "-c", "2", "--duration", "60s", "--json", json],
            interruptWhen: { _ in ((try? ResultFile.read(json))?.overall.count ?? 0) > 0 }, timeout: .seconds(50),
            signal: signal, launcher: launcher)
        // Well before the run's 60 s and the runner's timeout: the interruption ended it, nothing else.
        #expect(ContinuousClock.now - started < .seconds(45))
        #expect(outcome.status == 130, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("note: interrupted after"), "\(outcome.stdout)")
        let result = try ResultFile.read(json)
        #expect(result.overall.count > 0)
        #expect(result.notes.contains { $0.hasPrefix("interrupted after") })
    }

    /// A parent that ignores SIGINT and SIGTERM and blocks both, then execs its arguments (both are inherited).
    static let ignoringAndBlockingSignals = """
        import os, signal, sys
        for s in (signal.SIGINT, signal.SIGTERM): signal.signal(s, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        os.execv(sys.argv[1], sys.argv[1:])
        """

    @Test func httpsIsVerifiedRefusedWithOneLineOrAcceptedWhenInsecure() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let server = try await TestHTTPServer(tls: certificates)
        defer { server.stopInBackground() }
        let verified = try await LoadBinaryRunner.run(["load", server.url, "-c", "2", "--duration", "1s", "--ca", certificates.caFile])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("TLS certificate verified against \(certificates.caFile)"))
        #expect(verified.stdout.contains("TLS handshake p50"))

        let refused = try await LoadBinaryRunner.run(["load", server.url, "-c", "2", "--duration", "1s"])
        #expect(refused.status == 1)
        let errorLines = refused.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errorLines.count == 1 && errorLines[0].contains("certificate verify failed"), "\(refused.stderr)")

        let insecure = try await LoadBinaryRunner.run(["load", server.url, "-c", "2", "--duration", "1s", "--insecure"])
        #expect(insecure.status == 0, "\(insecure.stderr)")
        #expect(insecure.stderr.contains("TLS verification OFF (--insecure)"))
        #expect(insecure.stdout.contains("TLS certificate NOT verified (--insecure)"))

        for (arguments, expected) in [
            (["--ca", "/nonexistent/ca.pem"], "--ca /nonexistent/ca.pem: no such file or not readable"),
            (["--connect-to", "a:b"], "--connect-to 'a:b': write HOST:PORT:ADDRESS:PORT"),
        ] {
            let bad = try await LoadBinaryRunner.run(["load", server.url, "--duration", "1s"] + arguments)
            #expect(bad.status == 64, "\(bad.stderr)")
            #expect(bad.stderr.contains(expected), "\(bad.stderr)")
        }
    }

    @Test func aFailingWindowWithAbortOnFailStopsTheRunAndExits99() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let json = LoadBinaryRunner.temporaryPath("aborted.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        // Fine for 6 s from the first request, then every answer 2 s late, past the 700 ms timeout.
        let outcome = try await LoadBinaryRunner.run([
            "load", "\(server.url)/slowafter/6000/2000", "--rate", "40", "-c", "8", "--timeout", "700ms", "--duration", "10s",
            "--threshold", "p95[2s] < 600ms", "--abort-on-fail", "--json", json,
        ])
        #expect(outcome.status == 99, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("note: stopped after"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("✗ p95[2s] < 600ms"), "\(outcome.stdout)")
        let result = try ResultFile.read(json)
        #expect(result.configuration.durationSeconds < 10)
        #expect(result.thresholds.first?.failedWindows?.isEmpty == false)

        let bad = try await LoadBinaryRunner.run(["load", server.url, "--duration", "1s", "--threshold", "p99[0.1s] < 1s"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("1s or more"), "\(bad.stderr)")
    }

    @Test func aRunKilledWithSIGKILLLeavesAReadableResultOfTheSecondsBefore() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let json = LoadBinaryRunner.temporaryPath("killed.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let outcome = try await LoadBinaryRunner.run(
            ["load", server.url, "-c", "2", "--duration", "60s", "--json", json],
            interruptWhen: { $0.contains("s/60s]") }, timeout: .seconds(40), signal: SIGKILL)  // after the first progress line (5 s)
        #expect(outcome.status == 128 + SIGKILL)
        let result = try ResultFile.read(json)
        #expect(result.overall.count > 0)
        #expect(result.configuration.durationSeconds >= 2 && result.configuration.durationSeconds < 60)
        #expect(result.notes.first?.hasPrefix("partial result: written after") == true, "\(result.notes)")
        #expect(result.series.count >= 2)
    }

    @Test func theServicesCPUAndMemoryAreMeasuredWithServicePid() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let json = LoadBinaryRunner.temporaryPath("service.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        // The target is served by this test process: its pid is the service's.
        let pid = ProcessInfo.processInfo.processIdentifier
        let run = try await LoadBinaryRunner.run(
            ["load", server.url + "/", "-c", "2", "--duration", "2s", "--json", json, "--service-pid", String(pid)])
        #expect(run.status == 0, "\(run.stderr)")
        let service = try #require(try ResultFile.read(json).service)
        #expect(service.source == "pid \(pid)" && service.requests > 0 && (service.residentBytesPeak ?? 0) > 0)
        #expect(run.stdout.contains("service (pid \(pid)): CPU"), "\(run.stdout)")
        let missing = try await LoadBinaryRunner.run(["load", server.url + "/", "--duration", "1s", "--service-pid", "999999999"])
        #expect(missing.status == 1 && missing.stderr.contains("no process 999999999"), "\(missing.stderr)")
        #expect(server.requestCount > 0)
    }

    /// Three connections, each request held 400 ms by the server: by construction three requests are out at every
    /// moment of the run but the instants between a response and the next send, so `tuner_in_flight` reads 3.
    @Test func inFlightIsTheRequestsOutAtTheSecond() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let scraper = MetricsScraper(port: port, keepingPagesWith: "tuner_in_flight ")
        defer { scraper.stop() }
        let outcome = try await LoadBinaryRunner.run([
            "load", server.url + "/delay/400", "-c", "3", "--duration", "4s", "--quiet", "--metrics-listen", "127.0.0.1:\(port)",
        ])
        let pages = scraper.stop()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let values = pages.compactMap { page in PrometheusText.parse(page).first { $0.name == "tuner_in_flight" }?.value }
        #expect(!values.isEmpty, "tuner_in_flight was served during the run")
        #expect(values.allSatisfy { $0 <= 3 } && values.max() == 3, "in flight: \(values)")
    }

    @Test func metricsAreServedForPrometheusWhileTheRunGoesOn() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let json = LoadBinaryRunner.temporaryPath("metrics.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        // Scraped every 200 ms while the binary runs; the pages that had requests in them are kept.
        let scraper = MetricsScraper(port: port, keepingPagesWith: "tuner_requests_total{")
        defer { scraper.stop() }
        let outcome = try await LoadBinaryRunner.run([
            "load", server.url + "/status/503", "-c", "2", "--duration", "4s", "--json", json,
            "--metrics-listen", "127.0.0.1:\(port)",
        ])
        let pages = scraper.stop()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("metrics: http://127.0.0.1:\(port)/metrics"))
        #expect(pages.count >= 2, "scraped during the run: \(pages.count) pages")
        let result = try ResultFile.read(json)
        let name = try #require(result.requests.first?.name)
        func value(_ page: String, _ metric: String, _ labels: [String: String]) -> Double? {
            PrometheusText.parse(page).first { sample in
                sample.name == metric && labels.allSatisfy { key, value in sample.labels[key] == value }
            }?.value
        }
        let counts = pages.compactMap { value($0, "tuner_requests_total", ["name": name, "status_class": "5xx"]) }
        #expect(counts == counts.sorted(), "a counter never goes down: \(counts)")
        let last = try #require(counts.last)
        #expect(last > 0 && last <= Double(result.overall.count))
        let errors = pages.compactMap { value($0, "tuner_errors_total", ["name": name, "kind": "status_5xx"]) }
        #expect(errors.last == last, "every 503 is a status_5xx error")
        let page = try #require(pages.last)
        #expect(value(page, "tuner_request_duration_seconds_count", ["name": name]) == last)
        #expect(value(page, "tuner_request_duration_seconds_bucket", ["name": name, "le": "+Inf"]) == last)
        #expect(value(page, "tuner_generator_cpu_ratio", [:]) != nil)

        let taken = try await LoadBinaryRunner.run(["load", server.url, "--duration", "1s", "--metrics-listen", "nowhere"])
        #expect(taken.status == 64)
        #expect(taken.stderr.contains("--metrics-listen 'nowhere': write HOST:PORT"), "\(taken.stderr)")
    }
}
