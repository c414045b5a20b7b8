import TunerCore

/// A load test as the user describes it: a target, workloads, thresholds.
///
/// Read one from YAML with `Scenario(yaml:fileName:)` or build one in code; `LoadPlan` turns it
/// into what the engine runs. `${ENV}` references are kept as written until the plan resolves them.
public struct Scenario: Sendable {
    /// Base URL: `http://host:port` with an optional path prefix.
    public var target: String
    /// Headers sent with every request (values may use `${ENV}` and `${random:A..B}`).
    public var headers: [HeaderField]
    /// Workloads run side by side (the YAML's `scenarios:` list).
    public var workloads: [Workload]
    public var thresholds: [Threshold]
    /// Run before the stages at their starting level; excluded from the statistics.
    public var warmUp: Duration
    /// A request with no complete response after this long is a `timeout` and its connection is closed.
    public var requestTimeout: Duration
    public var connectTimeout: Duration
    /// Event loops (threads); `nil` means one per core.
    public var threads: Int?
    /// The preset the stages came from, if any (recorded in the result).
    public var profile: String?
    /// How an `https://` target's certificate is checked.
    public var tls = TLSSettings()
    /// Where connections go instead of the target's own address (`--connect-to`, the scenario's `connect_to:`).
    public var connectTo: [ConnectTo] = []
    /// Which transport carries the connections (`--transport`).
    public var transport = EngineTransport.automatic
    /// The seed of the open model's random arrival times (`--seed`, `seed:`); `nil`: a fresh one each run, recorded in
    /// the result so that the run can be repeated.
    public var seed: UInt64?

    public init(
        target: String, headers: [HeaderField] = [], workloads: [Workload], thresholds: [Threshold] = [],
        warmUp: Duration = .zero, requestTimeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(5),
        threads: Int? = nil, profile: String? = nil
    ) {
        self.target = target
        self.headers = headers
        self.workloads = workloads
        self.thresholds = thresholds
        self.warmUp = warmUp
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.threads = threads
        self.profile = profile
    }

    /// The quick form `tuner load URL` builds: one request, constant load for `duration`.
    public static func single(
        url: String, method: String = "GET", headers: [HeaderField] = [], body: String? = nil,
        model: LoadModel, level: Double, connections: Int, duration: Duration
    ) throws(LoadError) -> Scenario {
        let (base, path) = try TargetURL.split(url)
        let request = RequestTemplate(name: "\(method) \(path)", method: method, path: path, body: body)
        let workload = Workload(
            name: "default", model: model, start: level, stages: [Stage(duration: duration, target: level)],
            connections: connections, requests: [request])
        return Scenario(target: base, headers: headers, workloads: [workload])
    }
}

/// One header as written; names keep their case on the wire.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// Parses `Name: value` as curl's `-H` takes it.
    public init(parsing text: String) throws(LoadError) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
            throw LoadError("bad header '\(text)': expected 'Name: value'")
        }
        name = String(text[..<colon]).trimmingCharacters(in: " \t")
        value = String(text[text.index(after: colon)...]).trimmingCharacters(in: " \t")
        guard name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != 58 }) else {
            throw LoadError("bad header name '\(name)'")
        }
    }
}

/// How load is applied.
public enum LoadModel: String, Sendable, Codable, CaseIterable {
    /// A fixed number of connections, each sending its next request when the previous one completes.
    case closed
    /// Requests start on a schedule (arrival rate), whether or not earlier ones completed.
    case open
}

/// A linear ramp: from the previous stage's target (or the workload's `start`) to `target`.
public struct Stage: Sendable, Hashable {
    public var duration: Duration
    /// Requests/s (open model) or connections (closed model) at the end of the stage.
    public var target: Double
    public init(duration: Duration, target: Double) {
        self.duration = duration
        self.target = target
    }
}

/// One workload: a model, its stages and the requests it mixes.
public struct Workload: Sendable {
    public var name: String
    public var model: LoadModel
    /// The level at time zero (and during warm-up): requests/s or connections.
    public var start: Double
    public var stages: [Stage]
    /// Open model: the connection pool (requests wait for a free connection). Closed: unused (stages say).
    public var connections: Int
    /// Closed model: pause between a response and the next request on the same connection.
    public var thinkTime: Duration
    /// Open model: a cap on requests waiting or in flight (the oldest waiting one beyond it is `dropped`);
    /// `nil`: no cap, a request waits until it is sent or times out.
    public var maxInFlight: Int?
    /// Open model: how requests are spaced at the rate (evenly, or at random as users arrive); `nil` leaves it to
    /// the command: evenly for a load, at random for a capacity search.
    public var arrivals: ArrivalProcess?
    /// The weighted mix; for a flow, its steps' requests in order (statistics are per name either way).
    public var requests: [RequestTemplate]
    /// Stops after this many iterations of its flow (a flow's setup runs once).
    var iterationLimit: Int?
    /// Steps run in order per iteration, instead of a weighted mix (`flow:`).
    public var flow: Flow? {
        didSet { if let flow { requests = flow.steps.map(\.request) } }
    }

    public init(
        name: String, model: LoadModel, start: Double, stages: [Stage], connections: Int = 64,
        thinkTime: Duration = .zero, maxInFlight: Int? = nil, requests: [RequestTemplate] = [], flow: Flow? = nil
    ) {
        self.name = name
        self.model = model
        self.start = start
        self.stages = stages
        self.connections = connections
        self.thinkTime = thinkTime
        self.maxInFlight = maxInFlight
        self.requests = flow.map { $0.steps.map(\.request) } ?? requests
        self.flow = flow
    }

    /// Length of the stages together.
    public var duration: Duration { stages.reduce(.zero) { $0 + $1.duration } }

    /// The highest level any stage reaches.
    public var peak: Double { stages.reduce(start) { max($0, $1.target) } }
}

/// One kind of request in a workload's mix.
public struct RequestTemplate: Sendable, Hashable {
    /// The name statistics and thresholds use.
    public var name: String
    public var method: String
    /// Path and query, appended to the target's path prefix; may use `${random:A..B}`.
    public var path: String
    public var headers: [HeaderField]
    public var body: String?
    /// Relative frequency in the mix.
    public var weight: Int
    /// The query parameter that sets a list's page size (`limit_param: limit`): after `tuner run`'s load the
    /// request is probed at growing values of it, to see whether the server caps it.
    public var limitParameter: String?

    public init(
        name: String, method: String = "GET", path: String, headers: [HeaderField] = [], body: String? = nil,
        weight: Int = 1, limitParameter: String? = nil
    ) {
        self.name = name
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.weight = weight
        self.limitParameter = limitParameter
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var view = Substring(self)
        while let first = view.first, set.contains(first) { view = view.dropFirst() }
        while let last = view.last, set.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
