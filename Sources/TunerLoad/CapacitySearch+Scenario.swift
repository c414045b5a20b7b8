import TunerCore

extension CapacitySearch {
    /// The search of a scenario's capacity with Tuner's own engine: each step is the scenario at one rate
    /// (`Scenario.atRate`), the probe its closed-model run; `measured` sees every step's whole result, `progress`
    /// and `checkpoint` each step's seconds as `LoadEngine.run` gives them (`--metrics-listen`).
    /// `observe`, when given, is called as each step begins and returns what to add to the step's result when it
    /// ends (`tuner capacity --service-pid`: the service's CPU and memory during the step).
    public init(options: Options, slo: [Threshold], scenario: Scenario,
                measured: @escaping @Sendable (LoadResult) -> Void = { _ in },
                progress: @escaping @Sendable (LoadProgress) -> Void = { _ in },
                checkpoint: (@Sendable (LoadResult) -> Void)? = nil,
                observe: (@Sendable () async throws -> @Sendable (inout LoadResult) async -> Void)? = nil) {
        self.init(options: options, slo: slo) { rate, duration, warmUp in
            let finish = try await observe?()
            var result = try await LoadEngine.run(
                try LoadPlan(scenario.capacityStep(rate: rate, duration: duration, warmUp: warmUp, slo: slo)),
                progress: progress, checkpoint: checkpoint)
            await finish?(&result)
            measured(result)
            return result
        }
    }
}
