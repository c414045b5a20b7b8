import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerLoad

/// How the breaking-point search runs, shared by `tuner capacity` and `tuner sweep --measure capacity`.
struct CapacityOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("An SLO every step must hold (repeatable); default: the scenario's thresholds.",
                                            valueName: "EXPR"))
    var slo: [String] = []

    @Option(help: ArgumentHelp("The first rate to try (requests/s); default: half of what a closed-model probe achieves.",
                               valueName: "RATE"))
    var start: Double?

    @Option(help: ArgumentHelp("Never offer more than this (requests/s).", valueName: "RATE"))
    var max: Double?

    @Option(help: ArgumentHelp("Stop bisecting when the failing rate is within this of the passing one.", valueName: "PERCENT"))
    var precision = "5%"

    @Option(help: "Measured length of each step (default 10s).")
    var stepDuration = "10s"

    @Option(help: "Uncounted warm-up before each step (default 2s).")
    var stepWarmUp = "2s"

    @Option(help: "Length of the confirmation window at the rate found (default 30s).")
    var confirm = "30s"

    @Option(help: ArgumentHelp(
        "A step whose SLO is undecided (a 95% interval that straddles the limit) goes on at its rate, a step's length at"
            + " a time, up to this long; still undecided, it counts as not passing (default: 4 × --step-duration).",
        valueName: "DURATION"))
    var maxStep: String?

    func validate() throws {
        if let start, !(start > 0) { throw ValidationError("--start must be greater than 0") }
        if let max, !(max > 0) { throw ValidationError("--max must be greater than 0") }
    }

    /// The search's options, or a one-line usage failure.
    func searchOptions() throws -> CapacitySearch.Options {
        var options = CapacitySearch.Options()
        options.start = start
        options.maximum = max
        options.precision = try Self.percent(precision, option: "--precision")
        options.stepDuration = try Self.duration(stepDuration, option: "--step-duration")
        options.stepWarmUp = try Self.duration(stepWarmUp, option: "--step-warm-up")
        options.confirmDuration = try Self.duration(confirm, option: "--confirm")
        options.maximumStepDuration = try maxStep.map { try Self.duration($0, option: "--max-step") }
        if let cap = options.maximumStepDuration, cap < options.stepDuration {
            throw ToolError.usage("--max-step must be at least --step-duration (\(stepDuration))")
        }
        guard options.stepDuration >= .seconds(1), options.confirmDuration >= .seconds(1) else {
            throw ToolError.usage("--step-duration and --confirm must be at least 1s")
        }
        return options
    }

    /// The scenario every step is cut from, and the SLO: `--slo`, else the scenario's thresholds (none is a
    /// usage failure, as is anything the engine would refuse).
    func scenarioAndSLO(_ request: RequestOptions) throws -> (Scenario, [Threshold]) {
        do {
            var overrides = ScenarioOverrides()
            try request.fill(&overrides)
            overrides.connections = nil  // not a closed-model level here: the pool, set below
            let given = try slo.map { try Threshold(parsingScoped: $0) }
            var scenario = try request.scenario(overrides)
            // Each step sets its own rate: -c is the pool every workload draws from.
            if let connections = request.connections {
                for index in scenario.workloads.indices { scenario.workloads[index].connections = connections }
            }
            let thresholds = given.isEmpty ? scenario.thresholds : given
            guard !thresholds.isEmpty else {
                throw LoadError("no SLO: give --slo 'p99 < 200ms' (repeatable), or thresholds in the scenario file")
            }
            // A plan of the first step catches what the engine would refuse before anything is sent.
            _ = try LoadPlan(scenario.atRate(1, duration: .seconds(1), warmUp: .zero, slo: thresholds))
            return (scenario, thresholds)
        } catch let error as LoadError {
            throw ToolError.usage(error.description)
        } catch let error as ParseError {
            throw ToolError.usage(error.description)
        }
    }

    static func percent(_ text: String, option: String) throws -> Double {
        do {
            return try Percentage.fraction(parsing: text)
        } catch {
            throw ToolError.usage("\(option): \(error.description)")
        }
    }

    static func duration(_ text: String, option: String) throws -> Duration {
        do {
            return try RequestOptions.duration(text, option: option)
        } catch {
            throw ToolError.usage(error.description)
        }
    }
}
