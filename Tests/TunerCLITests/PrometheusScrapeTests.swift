import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TunerCore
import TunerTestSupport

/// `tuner load --metrics-listen` scraped by a real Prometheus server (Debian's `prometheus`, which `make test`
/// installs), started on free ports with a one-second scrape interval; the values are read back through its HTTP
/// query API and checked against the run's own result.
@Suite(.serialized) struct PrometheusScrapeTests {
    @Test(.timeLimit(.minutes(3))) func prometheusScrapesTheRunAndReadsTheFiguresBack() async throws {
        let binary = "/usr/bin/prometheus"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "no \(binary): install prometheus (make test does)")
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let metricsPortReservation = try TestPorts.reserve()
        defer { metricsPortReservation.release() }
        let metricsPort = metricsPortReservation.port
        let prometheusPortReservation = try TestPorts.reserve()
        defer { prometheusPortReservation.release() }
        let prometheusPort = prometheusPortReservation.port
        let directory = NSTemporaryDirectory() + "tuner-prometheus-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            global: { scrape_interval: 1s, scrape_timeout: 900ms }
            scrape_configs:
              - job_name: tuner
                static_configs: [{ targets: ["127.0.0.1:\(metricsPort)"] }]
            """.write(toFile: "\(directory)/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: binary)
        prometheus.arguments = [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(prometheusPort)", "--log.level=warn",
        ]
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = FileHandle.nullDevice
        try prometheus.run()
        // Not waited for: under a full suite's load Foundation's Process has missed a child's exit before (see
        // LoadBinaryRunner), and a SIGTERM'd Prometheus ends on its own.
        defer { prometheus.terminate() }
        let api = "http://127.0.0.1:\(prometheusPort)"
        try await Self.waitUntilReady(api)

        let json = LoadBinaryRunner.temporaryPath("prometheus.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let run = try await LoadBinaryRunner.run([
            "load", server.url + "/status/404", "-c", "2", "--duration", "8s", "--json", json,
            "--metrics-listen", "127.0.0.1:\(metricsPort)",
        ], timeout: .seconds(60))
        #expect(run.status == 0, "\(run.stderr)")
        let result = try ResultFile.read(json)
        let name = try #require(result.requests.first?.name)

        // What Prometheus stored last for the run: a counter at most the final count, and most of it (a scrape a
        // second during 8 s).
        let requests = try #require(try await Self.query(api, "max(max_over_time(tuner_requests_total{status_class=\"4xx\"}[5m]))"))
        #expect(requests > 0 && requests <= Double(result.overall.count), "\(requests) of \(result.overall.count)")
        #expect(requests >= Double(result.overall.count) * 0.5, "\(requests) of \(result.overall.count)")
        let errors = try #require(try await Self.query(api, "max(max_over_time(tuner_errors_total{kind=\"status_4xx\"}[5m]))"))
        #expect(errors <= Double(result.overall.count) && errors > 0)
        let scrapes = try #require(try await Self.query(api, "count_over_time(tuner_elapsed_seconds[5m])"))
        #expect(scrapes >= 3, "Prometheus scraped the run \(scrapes) times")
        // The duration histogram is usable by PromQL as any other.
        let p50 = try #require(try await Self.query(
            api, "histogram_quantile(0.5, max_over_time(tuner_request_duration_seconds_bucket{name=\"\(name)\"}[5m]))"))
        #expect(p50 > 0 && p50 < 1, "p50 \(p50) s")

        // Every query of the Grafana dashboard the repository ships runs on what Prometheus stored, with data, as
        // of a moment during the run (once the run has ended Prometheus marks its series stale, as it should).
        let duringTheRun = result.finishedAt.addingTimeInterval(-2)
        let dashboardPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../dashboards/tuner-load.json").standardized.path
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dashboardPath)))
        let panels = try #require((dashboard as? [String: Any])?["panels"] as? [[String: Any]])
        #expect(panels.count >= 6)
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                let expression = try #require(target["expr"] as? String)
                let value = try await Self.query(
                    api, expression.replacingOccurrences(of: "$__rate_interval", with: "1m"), at: duringTheRun)
                #expect(value != nil, "the dashboard's '\(panel["title"] ?? "")' query returned nothing: \(expression)")
            }
        }
    }

    /// Waits until Prometheus is up and has taken the target on (its discovery hands targets to the scrapers
    /// about 5 s after it starts: a run begun before that is scraped only from then on).
    static func waitUntilReady(_ api: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let url = URL(string: "\(api)/api/v1/targets"), let (data, _) = try? await URLSession.shared.data(from: url),
               String(decoding: data, as: UTF8.self).contains("\"scrapeUrl\"") {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("Prometheus did not take the target on at \(api)")
    }

    /// The first value of an instant query, or nil when the result is empty.
    static func query(_ api: String, _ promQL: String, at time: Date? = nil) async throws -> Double? {
        var components = URLComponents(string: "\(api)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promQL)]
        if let time { components.queryItems?.append(URLQueryItem(name: "time", value: String(time.timeIntervalSince1970))) }
        let (data, _) = try await URLSession.shared.data(from: components.url!)
        struct Response: Decodable {
            struct Data: Decodable {
                struct Sample: Decodable { let value: [Value] }
                let result: [Sample]
            }
            enum Value: Decodable {
                case number(Double), text(String)
                init(from decoder: any Decoder) throws {
                    let container = try decoder.singleValueContainer()
                    if let number = try? container.decode(Double.self) { self = .number(number) } else {
                        self = .text(try container.decode(String.self))
                    }
                }
            }
            let status: String
            let data: Data
        }
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: data)
        } catch {
            Issue.record("Prometheus answered \(String(decoding: data, as: UTF8.self).prefix(300)) to \(promQL)")
            throw error
        }
        guard let sample = response.data.result.first, sample.value.count == 2, case .text(let text) = sample.value[1] else {
            return nil
        }
        return Double(text)
    }
}
