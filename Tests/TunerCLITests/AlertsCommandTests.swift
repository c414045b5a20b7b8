import Foundation
import Testing

@Suite struct AlertsCommandTests {
    static let scenario = """
        target: http://127.0.0.1:8080
        scenarios:
          - { rate: 10, duration: 10s, requests: [{ name: list, path: "/products?page=1" }] }
        thresholds:
          list: ["p95 < 100ms"]
          all: ["error_rate < 1%"]
        """

    @Test func printsRulesForTheThresholds() async throws {
        let dir = try ReportCLIFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(Self.scenario.utf8).write(to: URL(fileURLWithPath: dir + "/shop.yaml"))
        let output = try await ReportCLIFixture.run(["alerts", dir + "/shop.yaml", "--window", "2m"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("groups:"))
        #expect(output.stdout.contains("name: tuner-shop"))
        #expect(output.stdout.contains(#"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{route=~"/products",method="GET"}[2m]))) > 0.1"#))
        #expect(output.stdout.contains("alert: ErrorRateHigh"))
        #expect(output.stdout.contains("alert: DatabasePoolSaturated"))
        let shop = try await ReportCLIFixture.run(["alerts", dir + "/shop.yaml", "--metric-prefix", "demo_shop_",
                                             "--pool-in-use-metric", #"pool{state="busy"}"#])
        #expect(shop.status == 0, "\(shop.stderr)")
        #expect(shop.stdout.contains("rate(demo_shop_http_request_duration_seconds_bucket{"))
        #expect(shop.stdout.contains(#"max(demo_shop_pool{state="busy"}) / max(demo_shop_db_pool_max_connections) > 0.8"#))
        let badSelector = try await ReportCLIFixture.run(["alerts", dir + "/shop.yaml", "--pool-in-use-metric", "pool{oops"])
        #expect(badSelector.status == 64)
        let written = try await ReportCLIFixture.run(["alerts", dir + "/shop.yaml", "--window", "2m", "--out", dir + "/rules.yaml"])
        #expect(written.status == 0)
        #expect(try String(contentsOfFile: dir + "/rules.yaml", encoding: .utf8) == output.stdout)
    }

    @Test func badInputIsOneLineAndTheRightExitCode() async throws {
        let dir = try ReportCLIFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("thresholds: [unclosed".utf8).write(to: URL(fileURLWithPath: dir + "/bad.yaml"))
        // A bad scenario is bad input, exit 64, in the same words as `tuner load` (one reader for both).
        let bad = try await ReportCLIFixture.run(["alerts", dir + "/bad.yaml"])
        #expect(bad.status == 64)
        #expect(bad.stderr.hasPrefix("Error: bad.yaml:2: invalid YAML"), "\(bad.stderr)")
        #expect(bad.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
        let load = try await ReportCLIFixture.run(["load", dir + "/bad.yaml"])
        #expect(load.status == 64)
        #expect(load.stderr == bad.stderr)
        let missing = try await ReportCLIFixture.run(["alerts", dir + "/missing.yaml"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("cannot read"))
        let window = try await ReportCLIFixture.run(["alerts", dir + "/bad.yaml", "--window", "five minutes"])
        #expect(window.status == 64)
    }
}
