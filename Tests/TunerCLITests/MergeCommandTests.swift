import Foundation
import Testing
import TunerCore
import TunerTestSupport

/// `tuner merge` on results the binary wrote.
@Suite(.serialized) struct MergeCommandTests {
    @Test func mergesShardsExactlyAndChecksThresholdsAgain() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let a = LoadBinaryRunner.temporaryPath("a.json")
        let b = LoadBinaryRunner.temporaryPath("b.json")
        let merged = LoadBinaryRunner.temporaryPath("merged.json")
        defer { for path in [a, b, merged] { try? FileManager.default.removeItem(atPath: path) } }
        for (path, url) in [(a, server.url + "/"), (b, server.url + "/status/404")] {
            let outcome = try await LoadBinaryRunner.run(["load", url, "-c", "2", "--duration", "1s", "--json", path])
            #expect(outcome.status == 0, "\(outcome.stderr)")
        }
        let outcome = try await LoadBinaryRunner.run(["merge", a, b, "--json", merged, "--threshold", "error_rate < 1%"])
        #expect(outcome.status == 99, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("2 shards merged"))
        let (ra, rb, rm) = (try ResultFile.read(a), try ResultFile.read(b), try ResultFile.read(merged))
        #expect(rm.shards == 2)
        #expect(rm.overall.count == ra.overall.count + rb.overall.count)
        #expect(rm.overall.errors["status_4xx"] == rb.overall.count)
        #expect(rm.requests.map(\.name) == ["GET /", "GET /status/404"])
        let histogram = try rm.overall.latencyHistogram()
        #expect(histogram.totalCount == rm.overall.count)
        var expected = try ra.overall.latencyHistogram()
        expected.add(try rb.overall.latencyHistogram())
        #expect(histogram.valueAtPercentile(99) == expected.valueAtPercentile(99))
        #expect(rm.series.reduce(0) { $0 + $1.requests } == ra.series.reduce(0) { $0 + $1.requests } + rb.series.reduce(0) { $0 + $1.requests })
        #expect(rm.thresholds.count == 1 && rm.thresholds[0].passed == false)
    }

    @Test func unreadableInputIsExit64() async throws {
        let path = LoadBinaryRunner.temporaryPath("not-a-result.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"hello": 1}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try await LoadBinaryRunner.run(["merge", path])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.hasPrefix("Error: \(path) is not a tuner result"))
        let missing = try await LoadBinaryRunner.run(["merge", "/nonexistent/result.json"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("cannot read /nonexistent/result.json"))
    }
}
