import Foundation
import TunerCore

/// Command-line settings that build a quick scenario from a URL, or override a scenario file's.
///
/// `tuner load` and `tuner run` share them so that both read `--rate 200 --duration 1m` alike.
public struct ScenarioOverrides: Sendable {
    public var connections: Int?
    public var rate: Double?
    public var duration: Duration?
    public var warmUp: Duration?
    public var profile: Profile?
    public var headers: [HeaderField] = []
    public var requestTimeout: Duration?
    public var connectTimeout: Duration?
    public var threads: Int?
    public var maxInFlight: Int?
    public var thinkTime: Duration?
    public var thresholds: [Threshold] = []
    /// `--ca FILE`.
    public var caFile: String?
    /// `--insecure`.
    public var insecure = false
    /// `--connect-to`, before the scenario's own (the first that applies wins, as in curl).
    public var connectTo: [ConnectTo] = []
    /// `--transport`.
    public var transport: EngineTransport?
    /// `--abort-on-fail`: every windowed threshold (the file's and the command line's) stops a run it fails.
    public var abortOnFail: Threshold.AbortRule?
    /// `--arrivals`: how every open workload's requests are spaced.
    public var arrivals: ArrivalProcess?
    /// `--seed`: the seed of random arrival times.
    public var seed: UInt64?

    /// Connections when neither the URL form nor the scenario says.
    public static let defaultConnections = 64
    /// Length of a quick `tuner load URL` run without `--duration` or a profile.
    public static let defaultDuration = Duration.seconds(10)

    public init() {}

    /// `tuner load URL`: one request, closed model with `--connections`, or open with `--rate`.
    public func scenario(url: String, method: String = "GET", body: String? = nil) throws(LoadError) -> Scenario {
        let model: LoadModel = rate != nil ? .open : .closed
        let level = rate ?? Double(connections ?? Self.defaultConnections)
        var scenario = try Scenario.single(
            url: url, method: method.uppercased(), body: body, model: model, level: level,
            connections: connections ?? Self.defaultConnections, duration: duration ?? Self.defaultDuration)
        if let profile { scenario.workloads = scenario.workloads.map { profile.apply(to: $0, duration: duration) } }
        return apply(to: scenario, reshape: false)
    }

    /// Reads a scenario file and applies the overrides.
    public func scenario(file path: String) throws(LoadError) -> Scenario {
        apply(to: try Scenario(file: path), reshape: true)
    }

    /// Applies the overrides; with `reshape`, `--rate/--connections/--duration/--profile` replace each
    /// workload's stages by a constant level (or the profile's shape) at the given or the workload's peak; several
    /// workloads share `--rate` in proportion to their peaks.
    public func apply(to scenario: Scenario, reshape: Bool) -> Scenario {
        var scenario = scenario
        if reshape {
            // With several workloads, --rate is shared in proportion to their peaks (the scenario's mix is kept);
            // --connections is each workload's.
            let peaks = scenario.workloads.map(\.peak)
            let total = peaks.reduce(0, +)
            scenario.workloads = zip(scenario.workloads, peaks).map { workload, peak in
                reshaped(workload, rate: rate.map { total > 0 && peaks.count > 1 ? $0 * peak / total : $0 })
            }
            if let profile { scenario.profile = profile.name }
        } else if let profile {
            scenario.profile = profile.name
        }
        if let warmUp { scenario.warmUp = warmUp }
        if let requestTimeout { scenario.requestTimeout = requestTimeout }
        if let connectTimeout { scenario.connectTimeout = connectTimeout }
        if let threads { scenario.threads = threads }
        // A header given on the command line replaces the scenario's header of the same name.
        let given = Set(headers.map { $0.name.lowercased() })
        scenario.headers = scenario.headers.filter { !given.contains($0.name.lowercased()) } + headers
        if let caFile { scenario.tls.caFile = caFile }
        if insecure { scenario.tls.insecure = true }
        scenario.connectTo = connectTo + scenario.connectTo
        if let transport { scenario.transport = transport }
        if let seed { scenario.seed = seed }
        scenario.thresholds += thresholds
        if let abortOnFail {
            for index in scenario.thresholds.indices where scenario.thresholds[index].windowSeconds != nil {
                scenario.thresholds[index].abort = abortOnFail
            }
        }
        for index in scenario.workloads.indices {
            if let maxInFlight { scenario.workloads[index].maxInFlight = maxInFlight }
            if let thinkTime { scenario.workloads[index].thinkTime = thinkTime }
            // Kept by closed workloads too (which send as answers come): a capacity search turns them open.
            if let arrivals { scenario.workloads[index].arrivals = arrivals }
        }
        return scenario
    }

    private func reshaped(_ workload: Workload, rate: Double?) -> Workload {
        var workload = workload
        if rate != nil {
            workload.model = .open
            if let connections { workload.connections = connections }
        } else if connections != nil {
            workload.model = .closed
        }
        let level = rate ?? connections.map(Double.init)
        if level != nil || duration != nil {
            let target = level ?? workload.peak
            workload.start = target
            workload.stages = [Stage(duration: duration ?? workload.duration, target: target)]
        }
        if let profile { workload = profile.apply(to: workload, duration: duration) }
        return workload
    }
}
