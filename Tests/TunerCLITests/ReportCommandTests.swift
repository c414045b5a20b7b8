import Foundation
import Testing
import TunerCore

@Suite struct ReportCommandTests {
    @Test func writesTheReportFilesAndExitsZeroWhateverTheThresholds() async throws {
        let dir = try ReportCLIFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try ReportCLIFixture.result(millis: 40)
        #expect(!result.thresholdsPassed)
        try ResultFile.write(result, to: dir + "/run.json")
        let output = try await ReportCLIFixture.run(["report", dir + "/run.json", "--out", dir + "/out"])
        #expect(output.status == 0, "\(output.stderr)")
        for file in ["result.json", "report.md", "report.html", "junit.xml"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/out/" + file), "missing \(file)")
        }
        #expect(output.stderr.contains("1 of 1 thresholds crossed: home: p95 < 20ms"))
        let markdown = try String(contentsOfFile: dir + "/out/report.md", encoding: .utf8)
        #expect(markdown.contains(String(format: "%.1f ms", result.requests[0].latency.p95)) || markdown.contains("\(Int(result.requests[0].latency.p95.rounded())) ms"))
    }

    @Test func checkExits99WhenAThresholdWasCrossed() async throws {
        let dir = try ReportCLIFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ResultFile.write(try ReportCLIFixture.result(millis: 40), to: dir + "/slow.json")
        try ResultFile.write(try ReportCLIFixture.result(millis: 5), to: dir + "/fast.json")
        #expect(try await ReportCLIFixture.run(["report", dir + "/slow.json", "--out", dir + "/a", "--check"]).status == 99)
        #expect(try await ReportCLIFixture.run(["report", dir + "/fast.json", "--out", dir + "/b", "--check"]).status == 0)
    }

    @Test func aBaselineAddsTheComparisonAndTheOptimizationLog() async throws {
        let dir = try ReportCLIFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ResultFile.write(try ReportCLIFixture.result(millis: 40, seed: 1), to: dir + "/before.json")
        try ResultFile.write(try ReportCLIFixture.result(millis: 5, seed: 2), to: dir + "/after.json")
        let output = try await ReportCLIFixture.run(["report", dir + "/after.json", "--baseline", dir + "/before.json",
                                               "--change", "CREATE INDEX home_idx ON t (x);", "--out", dir + "/out"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("against the baseline: all p50 −87"))
        let markdown = try String(contentsOfFile: dir + "/out/report.md", encoding: .utf8)
        #expect(markdown.contains("## Before and after"))
        #expect(markdown.contains("### Optimization #1"))
        #expect(markdown.contains("CREATE INDEX home_idx ON t (x);"))
        #expect(markdown.contains("**Conclusion:** Success"))
    }

    /// The steps of a loop run by hand (each LABEL=RESULT.json) and a sweep join one report: the log has an entry per
    /// change, the sweep its section; a file that is not a sweep is one line of bad input.
    @Test func stepsAndASweepRunByHandJoinTheReport() async throws {
        let dir = try ReportCLIFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ResultFile.write(try ReportCLIFixture.result(millis: 40, seed: 1), to: dir + "/before.json")
        try ResultFile.write(try ReportCLIFixture.result(millis: 20, seed: 2), to: dir + "/index.json")
        try ResultFile.write(try ReportCLIFixture.result(millis: 5, seed: 3), to: dir + "/after.json")
        let sweep = SweepResult(parameters: ["POOL"], measure: "capacity", slo: ["p95 < 100ms"],
                                points: [], knee: nil, recommendation: nil)
        let encoder = JSONEncoder()
        try encoder.encode(sweep).write(to: URL(fileURLWithPath: dir + "/sweep.json"))
        let output = try await ReportCLIFixture.run([
            "report", dir + "/after.json", "--step", "baseline=\(dir)/before.json", "--step", "index=\(dir)/index.json",
            "--change", "the cache", "--sweep", dir + "/sweep.json", "--out", dir + "/out",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let markdown = try String(contentsOfFile: dir + "/out/report.md", encoding: .utf8)
        #expect(markdown.contains("### Optimization #1") && markdown.contains("### Optimization #2"), "\(markdown)")
        #expect(markdown.contains("## Sweep of POOL: capacity at the SLO"))
        let notASweep = try await ReportCLIFixture.run(["report", dir + "/after.json", "--sweep", dir + "/before.json", "--out", dir + "/x"])
        #expect(notASweep.status == 64 && notASweep.stderr.contains("--sweep") && notASweep.stderr.contains("not a result of that kind"),
                "\(notASweep.stderr)")
        #expect(notASweep.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
    }

    @Test func badInputIsOneLineAndTheRightExitCode() async throws {
        let dir = try ReportCLIFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // An input file that cannot be read or is not a result is bad input (64), as for every command.
        let missing = try await ReportCLIFixture.run(["report", dir + "/nope.json", "--out", dir + "/out"])
        #expect(missing.status == 64)
        #expect(missing.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
        #expect(missing.stderr.contains("cannot read"))
        try Data("{\"hello\": 1}".utf8).write(to: URL(fileURLWithPath: dir + "/other.json"))
        let other = try await ReportCLIFixture.run(["report", dir + "/other.json", "--out", dir + "/out"])
        #expect(other.status == 64)
        #expect(other.stderr.contains("not a tuner result"))
        let usage = try await ReportCLIFixture.run(["report", dir + "/other.json", "--change", "x"])
        #expect(usage.status == 64)
    }
}
