import TunerCore

/// What `tuner alerts` takes from a scenario (read by the load engine's reader, so a request is named
/// as `tuner load` names it): the target, the thresholds, and each request's method and path (to find
/// its route in the service's metrics).
public struct AlertScenario: Sendable {
    /// A name for the rule group (the file's base name).
    public var name: String
    public var target: String?
    public var thresholds: [Threshold]
    /// Request name → method and path as written in the scenario.
    public var requests: [String: RequestRoute]

    /// A request's method and path.
    public struct RequestRoute: Sendable, Equatable {
        public var method: String
        public var path: String

        public init(method: String, path: String) {
            self.method = method
            self.path = path
        }
    }

    public init(name: String, target: String?, thresholds: [Threshold], requests: [String: RequestRoute]) {
        self.name = name
        self.target = target
        self.thresholds = thresholds
        self.requests = requests
    }
}

/// A scenario could not be read or turned into rules.
public struct AlertError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
