import Foundation
import TunerCore

/// A scenario checked and compiled for the engine: environment resolved, requests encoded,
/// schedules computed. Building one is where every input error surfaces, before any traffic.
public struct LoadPlan: Sendable {
    public let scenario: Scenario
    public let target: TargetURL
    /// Request names, in scenario order; statistics are kept per name.
    public let names: [String]
    /// The names (indices into `names`) a windowed threshold is scoped to: the engine keeps their latencies per second.
    let windowedNames: [Int]
    /// Event loops to run on.
    public let threads: Int
    let workloads: [CompiledWorkload]
    /// Over HTTPS, the TLS client every connection uses (its CA file read here, so a bad one is an input error).
    let tls: TLSClient?
    /// The transport that runs: `epoll` or `nio` (never `automatic`).
    public let transport: EngineTransport
    /// In a distributed run, the share this process runs (`sharded(_:startAt:)`).
    public internal(set) var shard: Shard?
    /// The common time zero of every shard (wall clock): the loops start then, and a shard that is late skips the
    /// part of the schedule already past.
    public internal(set) var startAt: Date?
    /// The plan's identity across processes (`LoadPlan+Shard.swift`).
    public let fingerprint: String
    /// The seed of the random arrival times: the scenario's (`--seed`), or a fresh one recorded in the result.
    public let seed: UInt64

    /// Warm-up plus the longest workload.
    public var totalDuration: Duration { .nanoseconds(Int64(totalSeconds * 1e9)) }
    var totalSeconds: Double { workloads.map(\.timeline.totalSeconds).max() ?? 0 }
    var warmUpSeconds: Double { scenario.warmUp.seconds }

    public init(
        _ scenario: Scenario, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(LoadError) {
        self.scenario = scenario
        fingerprint = Self.fingerprint(of: scenario)
        seed = scenario.seed ?? .random(in: 0...UInt64.max)
        let resolve = { (text: String, place: String) throws(LoadError) -> String in
            try Self.substituteEnvironment(in: text, environment: environment, place: place)
        }
        target = try TargetURL(try resolve(scenario.target, "target"))
        tls = target.isTLS ? try TLSClient(target: target, settings: scenario.tls) : nil
        #if os(Linux)
        if scenario.transport == .epoll && target.isTLS {
            throw LoadError("--transport epoll speaks plain HTTP only; https:// runs on nio")
        }
        transport = scenario.transport == .automatic ? (target.isTLS ? .nio : .epoll) : scenario.transport
        #else
        if scenario.transport == .epoll { throw LoadError("--transport epoll is Linux only") }
        transport = .nio
        #endif
        guard !scenario.workloads.isEmpty else { throw LoadError("the scenario has no workloads (scenarios: is empty)") }
        guard scenario.requestTimeout > .zero, scenario.connectTimeout > .zero else {
            throw LoadError("timeouts must be greater than zero")
        }
        guard scenario.warmUp >= .zero else { throw LoadError("warm-up cannot be negative") }
        if let threads = scenario.threads, threads < 1 || threads > 256 {
            throw LoadError("threads must be between 1 and 256, got \(threads)")
        }
        threads = scenario.threads ?? ProcessInfo.processInfo.activeProcessorCount
        var headers: [HeaderField] = []
        for field in scenario.headers {
            headers.append(HeaderField(field.name, try resolve(field.value, "header '\(field.name)'")))
        }
        var names: [String] = []
        var workloads: [CompiledWorkload] = []
        for (index, workload) in scenario.workloads.enumerated() {
            var requests: [EncodedRequest] = []
            let flow = try workload.flow.map { (flow) throws(LoadError) in
                try CompiledFlow(flow, scenario: scenario, environment: environment)
            }
            let keep = Set(flow?.variables.keys.map { $0 } ?? [])
            for (step, template) in workload.requests.enumerated() {
                let location = workload.flow?.steps[step].location
                let resolve = { (text: String, place: String) throws(LoadError) -> String in
                    guard flow != nil else { return try resolve(text, place) }
                    return try Self.substituteEnvironment(
                        in: text, environment: environment, place: "\(location.map { "\($0): " } ?? "")\(place)", keep: keep)
                }
                guard !names.contains(template.name) else {
                    throw LoadError("two requests are named '\(template.name)'; names must be unique (statistics are per name)")
                }
                guard template.name != "all" else { throw LoadError("'all' is reserved for the overall statistics; rename the request") }
                var resolved = template
                resolved.path = try resolve(template.path, "request '\(template.name)' path")
                resolved.body = try template.body.map { (body) throws(LoadError) in
                    try resolve(body, "request '\(template.name)' body")
                }
                resolved.headers = []
                for field in template.headers {
                    resolved.headers.append(HeaderField(field.name, try resolve(field.value, "header '\(field.name)'")))
                }
                requests.append(try EncodedRequest(
                    resolved, nameIndex: names.count, target: target, headers: headers, variables: flow?.variables))
                names.append(template.name)
            }
            workloads.append(try CompiledWorkload(workload, index: index, requests: requests, warmUp: scenario.warmUp, flow: flow))
        }
        for threshold in scenario.thresholds where threshold.scope != "all" && !names.contains(threshold.scope) {
            throw LoadError("threshold '\(threshold.description)': no request is named '\(threshold.scope)'; names: \(names.joined(separator: ", "))")
        }
        self.names = names
        self.workloads = workloads
        windowedNames = Set(scenario.thresholds.filter { $0.windowSeconds != nil }.map(\.scope))
            .compactMap { names.firstIndex(of: $0) }.sorted()
    }

    /// Replaces `${NAME}` with the environment's value; `${random:A..B}` is left for the encoder.
    /// In a flow, the names in `keep` (captures, `data.COLUMN`) and `${uuid}` are left for the encoder too.
    static func substituteEnvironment(
        in text: String, environment: [String: String], place: String, keep: Set<String>? = nil
    ) throws(LoadError) -> String {
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw LoadError("\(place): unclosed '${' in '\(text)'")
            }
            let name = rest[open.upperBound..<close]
            if name.hasPrefix("random:") || keep?.contains(String(name)) == true || (keep != nil && name == "uuid") {
                out += rest[open.lowerBound...close]
            } else if keep != nil, name.hasPrefix("data.") {
                throw LoadError("\(place): ${\(name)} needs a data file with that column (data: users.csv)")
            } else {
                guard let first = name.first, first == "_" || first.isLetter,
                      name.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber })
                else {
                    throw LoadError("\(place): bad substitution '${\(name)}'; use ${ENV_NAME} or ${random:1..100}")
                }
                guard let value = environment[String(name)] else {
                    throw LoadError(keep == nil ? "\(place): environment variable \(name) is not set"
                        : "\(place): ${\(name)} is not captured by any step before it, and no environment variable \(name) is set")
                }
                out += value
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

/// A workload ready for the engine.
struct CompiledWorkload: Sendable {
    let index: Int
    let name: String
    let model: LoadModel
    let timeline: LevelTimeline
    let requests: [EncodedRequest]
    /// Running sums of the weights, for picking a request with one random draw.
    let cumulativeWeights: [UInt64]
    /// Open model: connection pool size.
    let connections: Int
    /// Open model: how the requests are spaced at the rate.
    let arrivals: ArrivalProcess
    let thinkTimeNanos: Int64
    /// Open model: waiting plus in-flight requests allowed before the oldest waiting one is dropped;
    /// `nil` (the default) lets requests wait until they are sent or reach the request timeout.
    let maxInFlight: Int?
    let source: Workload
    /// The flow, when the workload runs steps in order (`requests` are then its steps, in order).
    let flow: CompiledFlow?
    let iterationLimit: Int?

    init(
        _ workload: Workload, index: Int, requests: [EncodedRequest], warmUp: Duration, flow: CompiledFlow? = nil
    ) throws(LoadError) {
        let label = "workload '\(workload.name)'"
        guard !requests.isEmpty else { throw LoadError("\(label) has no requests") }
        guard !workload.stages.isEmpty else { throw LoadError("\(label) has no stages (give a duration or stages)") }
        for stage in workload.stages {
            guard stage.duration > .zero else { throw LoadError("\(label): every stage needs a duration greater than zero") }
            guard stage.target >= 0, stage.target.isFinite else { throw LoadError("\(label): stage targets cannot be negative") }
        }
        guard workload.start >= 0, workload.start.isFinite else { throw LoadError("\(label): the start level cannot be negative") }
        guard workload.peak > 0 else { throw LoadError("\(label): every stage target is zero, nothing would be sent") }
        if workload.model == .closed && workload.peak > 100_000 {
            throw LoadError("\(label): \(Int(workload.peak)) connections is more than this machine can open (max 100000)")
        }
        guard workload.connections >= 1 else { throw LoadError("\(label): connections must be at least 1") }
        guard workload.thinkTime >= .zero else { throw LoadError("\(label): think time cannot be negative") }
        if let cap = workload.maxInFlight, cap < 1 { throw LoadError("\(label): max in-flight must be at least 1") }
        var sum: UInt64 = 0
        var cumulative: [UInt64] = []
        for template in workload.requests {
            guard template.weight >= 0 else { throw LoadError("request '\(template.name)': weight cannot be negative") }
            sum += UInt64(template.weight)
            cumulative.append(sum)
        }
        guard sum > 0 else { throw LoadError("\(label): every request has weight 0") }
        self.index = index
        self.flow = flow
        iterationLimit = workload.iterationLimit
        if flow != nil { cumulative = [1] }  // an iteration always starts at the first step
        name = workload.name
        model = workload.model
        timeline = LevelTimeline(start: workload.start, stages: workload.stages, warmUp: warmUp)
        self.requests = requests
        cumulativeWeights = cumulative
        connections = workload.connections
        arrivals = workload.model == .open ? workload.arrivals ?? .uniform : .uniform
        thinkTimeNanos = workload.thinkTime.nanoseconds
        maxInFlight = workload.maxInFlight
        source = workload
    }

    /// Picks a request index by weight.
    func pickRequest(using random: inout FastRandom) -> Int {
        if cumulativeWeights.count == 1 { return 0 }
        let draw = random.next() % cumulativeWeights[cumulativeWeights.count - 1]
        var low = 0
        var high = cumulativeWeights.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulativeWeights[mid] > draw { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
