import TunerLoad
import TunerReport

extension AlertScenario {
    /// What `tuner alerts` needs of a scenario the load engine read: its requests named as `tuner load`
    /// names them (an unnamed one is `GET /path`), so a threshold's scope finds the same request.
    ///
    /// - Throws: `AlertError` when the scenario has no thresholds to turn into alerts.
    public init(_ scenario: Scenario, name: String) throws(AlertError) {
        guard !scenario.thresholds.isEmpty else {
            throw AlertError("the scenario has no thresholds: add e.g. 'thresholds: { all: [\"p95 < 300ms\", \"error_rate < 1%\"] }'")
        }
        var requests: [String: RequestRoute] = [:]
        for request in scenario.workloads.flatMap(\.requests) where requests[request.name] == nil {
            requests[request.name] = RequestRoute(method: request.method.uppercased(), path: request.path)
        }
        self.init(name: name, target: scenario.target, thresholds: scenario.thresholds, requests: requests)
    }
}
