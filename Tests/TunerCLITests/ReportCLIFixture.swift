import Foundation
import TunerCore
import TunerTestSupport

/// Running the built `tuner` binary and making small result files for the report and alerts commands.
enum ReportCLIFixture {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Output {
        let outcome = try LoadBinaryRunner.run(arguments, timeout: .seconds(120))
        return Output(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }

    static func run(_ arguments: [String]) async throws -> Output {
        let outcome = try await LoadBinaryRunner.run(arguments, timeout: .seconds(120))
        return Output(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tuner-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A small closed-model result whose latency is `millis` ± 20%, with `p95 < 20ms` as its threshold.
    static func result(millis: Double, seconds: Int = 8, perSecond: Int = 50, seed: Int = 1) throws -> LoadResult {
        var generator = seed
        func next() -> Double {
            generator = (generator &* 1_103_515_245 &+ 12_345) & 0x7fff_ffff
            return Double(generator) / Double(0x7fff_ffff)
        }
        var histogram = LatencyHistogram.makeLatency()
        var series: [SeriesPoint] = []
        for second in 0..<seconds {
            var h = LatencyHistogram.makeLatency()
            for _ in 0..<perSecond {
                let micros = UInt64(millis * 1000 * (0.8 + 0.4 * next()))
                h.recordClamped(micros: micros)
                histogram.recordClamped(micros: micros)
            }
            series.append(SeriesPoint(second: second, isWarmUp: false, requests: UInt64(perSecond), errors: 0,
                                      p50: h.millis(atPercentile: 50), p99: h.millis(atPercentile: 99)))
        }
        let count = UInt64(seconds * perSecond)
        let stats = RequestStats(name: "home", count: count, errors: [:], statusCodes: ["200": count], bytesReceived: count * 100,
                                 durationSeconds: Double(seconds), latency: histogram)
        var all = stats
        all.name = "all"
        let threshold = try Threshold(scope: "home", parsing: "p95 < 20ms")
        let configuration = RunConfiguration(
            target: "http://127.0.0.1:9", model: "closed", stages: [.init(durationSeconds: Double(seconds), target: 4)],
            connections: 4, rate: nil, durationSeconds: Double(seconds), warmUpSeconds: 0, connectTimeoutSeconds: 5,
            requestTimeoutSeconds: 30, eventLoops: 1, requests: [.init(name: "home", method: "GET", path: "/", weight: 1)],
            thresholds: ["home": ["p95 < 20ms"]])
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        return LoadResult(
            tool: "tuner \(TunerVersion.current)", startedAt: start, finishedAt: start.addingTimeInterval(Double(seconds)),
            configuration: configuration, overall: all, requests: [stats], series: series, schedule: nil,
            generator: GeneratorStats(cpuPercentMean: 5, cpuPercentMax: 9, cores: 2, maxResidentBytes: nil, wasBottleneck: false),
            thresholds: Threshold.evaluate([threshold], overall: all, requests: [stats]))
    }
}
