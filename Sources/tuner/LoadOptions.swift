import ArgumentParser
import Foundation
import TunerCore
import TunerLoad

/// The load options `tuner load` and `tuner run` share: the target (URL or scenario file), the load
/// model and its shape, requests, timeouts and thresholds.
struct LoadOptions: ParsableArguments {
    @Argument(help: "An http:// URL, or a scenario file (YAML).")
    var target: String

    @Option(name: [.customShort("c"), .long], help: "Connections (closed model), or the connection pool (open model). Default 64.")
    var connections: Int?

    @Option(name: .long, help: "Requests per second: switches to the open model.")
    var rate: Double?

    @Option(help: "Length of the measured run, e.g. 30s, 5m (default 10s, or the profile's).")
    var duration: String?

    @Option(help: "Run this long first at the same load, excluded from the statistics (e.g. 5s).")
    var warmUp: String?

    @Option(help: "A preset: smoke, load, stress, spike, soak (stages shaped around --rate or --connections).")
    var profile: String?

    @Option(name: .customShort("H"), help: "A header for every request, 'Name: value' (repeatable).")
    var header: [String] = []

    @Option(name: [.customShort("m"), .long], help: "HTTP method for a URL target (default GET).")
    var method: String = "GET"

    @Option(name: [.customShort("d"), .customLong("data")], help: "Request body for a URL target.")
    var data: String?

    @Option(help: "Request timeout: no complete response after this long counts as 'timeout' (default 10s).")
    var timeout: String?

    @Option(help: "Connect timeout (default 5s).")
    var connectTimeout: String?

    @Option(help: "Pause between a response and the next request on a connection (closed model).")
    var thinkTime: String?

    @Option(help: "Event loops (threads); default one per core.")
    var threads: Int?

    @Option(help: "Open model: a cap on waiting plus in-flight requests; beyond it the oldest waiting one is dropped (default: no cap, requests wait until sent or timed out).")
    var maxInFlight: Int?

    @Option(help: "A check such as 'p95 < 100ms', 'error_rate < 1%', 'rps > 500', or 'NAME: p99 < 300ms' (repeatable).")
    var threshold: [String] = []

    /// The plan, or a one-line usage failure (exit 64) for bad input.
    func makePlan() throws -> LoadPlan {
        do {
            return try LoadPlan(try makeScenario())
        } catch let error as LoadError {
            throw LoadOutcome.usageFailure(error.description)
        } catch let error as ParseError {
            throw LoadOutcome.usageFailure("--threshold: \(error.description)")
        }
    }

    func makeScenario() throws -> Scenario {
        var overrides = ScenarioOverrides()
        overrides.connections = connections
        overrides.rate = rate
        overrides.duration = try duration.map { try parseDuration($0, option: "--duration") }
        overrides.warmUp = try warmUp.map { try parseDuration($0, option: "--warm-up") }
        overrides.requestTimeout = try timeout.map { try parseDuration($0, option: "--timeout") }
        overrides.connectTimeout = try connectTimeout.map { try parseDuration($0, option: "--connect-timeout") }
        overrides.thinkTime = try thinkTime.map { try parseDuration($0, option: "--think-time") }
        overrides.profile = try profile.map { try Profile(named: $0) }
        overrides.headers = try header.map { try HeaderField(parsing: $0) }
        overrides.threads = threads
        overrides.maxInFlight = maxInFlight
        overrides.thresholds = try threshold.map { try LoadOutcome.parseThreshold($0) }
        if target.lowercased().hasPrefix("http://") || target.lowercased().hasPrefix("https://") {
            return try overrides.scenario(url: target, method: method, body: data)
        }
        guard FileManager.default.fileExists(atPath: target) else {
            throw LoadError("'\(target)' is neither an http:// URL nor an existing scenario file")
        }
        if data != nil || method != "GET" {
            throw LoadError("-m and -d apply to a URL target; a scenario file sets method and body per request")
        }
        return try overrides.scenario(file: target)
    }

    private func parseDuration(_ text: String, option: String) throws(LoadError) -> Duration {
        do {
            return try Duration(parsing: text)
        } catch {
            throw LoadError("\(option): \(error.description)")
        }
    }

    func validate() throws {
        if let connections, connections < 1 { throw ValidationError("--connections must be at least 1") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be greater than 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let maxInFlight, maxInFlight < 1 { throw ValidationError("--max-in-flight must be at least 1") }
    }
}
