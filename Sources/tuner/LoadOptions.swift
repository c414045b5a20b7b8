import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerLoad

/// The load options `tuner load` and `tuner run` share: the target (URL or scenario file), the load
/// model and its shape, requests, timeouts and thresholds.
struct LoadOptions: ParsableArguments {
    @OptionGroup var request: RequestOptions

    @Option(name: .long, help: "Requests per second: switches to the open model.")
    var rate: Double?

    @Option(help: "Length of the measured run, e.g. 30s, 5m (default 10s, or the profile's).")
    var duration: String?

    @Option(help: "Run this long first at the same load, excluded from the statistics (e.g. 5s).")
    var warmUp: String?

    @Option(help: "A preset: smoke, load, stress, spike, soak (stages shaped around --rate or --connections).")
    var profile: String?

    @Option(help: "Pause between a response and the next request on a connection (closed model).")
    var thinkTime: String?

    @Option(help: "Open model: a cap on waiting plus in-flight requests; beyond it the oldest waiting one is dropped (default: no cap, requests wait until sent or timed out).")
    var maxInFlight: Int?

    @Option(help: "A check such as 'p95 < 100ms', 'error_rate < 1%', 'rps > 500', or 'NAME: p99 < 300ms' (repeatable); 'p99[1m] < 200ms' (or 'NAME: p99[1m] < 200ms', NAME's requests only) judges every sliding 1-minute window.")
    var threshold: [String] = []

    @Flag(help: "Stop the run as soon as a windowed threshold ('p99[30s] < 200ms') fails, keep what was measured, exit 99.")
    var abortOnFail = false

    @Option(help: "With --abort-on-fail: measured time before a failing window may stop the run (default 0s).")
    var abortDelay: String?

    @Option(help: ArgumentHelp(
        "Run shard I of N (0-based) of a distributed run: every N-th request of the schedule from I, a 1/N share of the"
            + " connections (the remainder to the first shards). Merge the shards' --json results with 'tuner merge';"
            + " thresholds are judged there, on the whole (a shard's exit code ignores them).",
        valueName: "I/N"))
    var shard: String?

    @Option(help: ArgumentHelp(
        "Start the schedule at this moment (Unix seconds or RFC 3339, e.g. 2026-12-04T17:00:00Z) and count every second"
            + " from it: shards given one start share one clock. A shard that starts after it skips the part already past.",
        valueName: "time"))
    var startAt: String?

    /// The plan, or a one-line usage failure (exit 64) for bad input.
    func makePlan() throws -> LoadPlan {
        let shard: Shard?
        let start: Date?
        do { shard = try self.shard.map { try Shard(parsing: $0) } } catch { throw ToolError.usage("--shard: \(error)") }
        do { start = try startAt.map { try StartTime.parse($0) } } catch { throw ToolError.usage("--start-at: \(error)") }
        do {
            return try LoadPlan(try makeScenario()).sharded(shard, startAt: start)
        } catch let error as LoadError {
            throw ToolError.usage(error.description)
        } catch let error as ParseError {
            throw ToolError.usage("--threshold: \(error.description)")
        }
    }

    /// True when this process runs one shard of a distributed run: its thresholds are judged on the merged result.
    var isShard: Bool { shard != nil }

    func makeScenario() throws -> Scenario {
        var overrides = ScenarioOverrides()
        try request.fill(&overrides)
        overrides.rate = rate
        overrides.duration = try duration.map { try RequestOptions.duration($0, option: "--duration") }
        overrides.warmUp = try warmUp.map { try RequestOptions.duration($0, option: "--warm-up") }
        overrides.thinkTime = try thinkTime.map { try RequestOptions.duration($0, option: "--think-time") }
        overrides.profile = try profile.map { try Profile(named: $0) }
        overrides.maxInFlight = maxInFlight
        overrides.thresholds = try threshold.map { try Threshold(parsingScoped: $0) }
        if abortOnFail {
            let delay = try abortDelay.map { try RequestOptions.duration($0, option: "--abort-delay") } ?? .zero
            overrides.abortOnFail = Threshold.AbortRule(delaySeconds: delay.seconds)
        }
        return try request.scenario(overrides)
    }

    func validate() throws {
        if let rate, !(rate > 0) { throw ValidationError("--rate must be greater than 0") }
        if let maxInFlight, maxInFlight < 1 { throw ValidationError("--max-in-flight must be at least 1") }
    }
}
