import ArgumentParser
import Foundation
import TunerCore
import TunerLoad
import TunerReport

struct CapacityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Find the highest request rate the service sustains at its SLO (the breaking point).",
        discussion: """
            Searches in the open model, where the arrival rate is what the service must absorb: a short \
            closed-model probe (or --start) gives a first estimate, then rates grow geometrically until a step \
            fails, then bisection narrows the gap to --precision, then a longer --confirm window checks the rate \
            found (stepping down while it fails). Each step has its own uncounted warm-up.

            A step passes only when every SLO holds, at least 97% of the offered requests completed, nothing \
            was dropped and at most 10% of the sends waited for a connection. When the load generator itself \
            runs out of CPU the search stops and says so: that limit is never reported as the service's.

            The SLO is --slo (repeatable, threshold syntax: 'p99 < 200ms', 'error_rate < 1%', \
            'NAME: p95 < 100ms'), else the scenario's thresholds.

            Examples:
              tuner capacity http://127.0.0.1:8080/products --slo "p99 < 200ms" --slo "error_rate < 1%"
              tuner capacity shop.yaml --json capacity.json --min-capacity 500
              tuner capacity shop.yaml --target-rate 5000 --headroom 30%

            Exit codes: 0 success, 1 the target could not be reached, 64 bad input, 99 the capacity found is \
            below --min-capacity, 130 interrupted (what was found so far is printed and written).
            """
    )

    @OptionGroup var request: RequestOptions

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

    @Option(help: ArgumentHelp("Exit 99 when the capacity found is below this (requests/s).", valueName: "RATE"))
    var minCapacity: Double?

    @Option(help: ArgumentHelp("Say how many instances like this one a target rate needs.", valueName: "RATE"))
    var targetRate: Double?

    @Option(help: ArgumentHelp("Capacity kept free on each instance when sizing for --target-rate.", valueName: "PERCENT"))
    var headroom = "30%"

    @Option(help: "Write the confirmation window's result with the 'capacity' section here ('-' for stdout).")
    var json: String?

    @Flag(help: "No line per step.")
    var quiet = false

    func validate() throws {
        if let start, !(start > 0) { throw ValidationError("--start must be greater than 0") }
        if let max, !(max > 0) { throw ValidationError("--max must be greater than 0") }
        if let minCapacity, !(minCapacity > 0) { throw ValidationError("--min-capacity must be greater than 0") }
        if let targetRate, !(targetRate > 0) { throw ValidationError("--target-rate must be greater than 0") }
    }

    func run() async throws {
        let (base, thresholds) = try makeScenario()
        let options = try makeOptions()
        let output = LoadOutput(jsonPath: json, quiet: true)
        let say: @Sendable (String) -> Void = { line in if !quiet { LoadOutput.writeError(line + "\n") } }
        say("tuner capacity \(base.target) · SLO: \(thresholds.map(\.description).joined(separator: ", "))")
        var search = CapacitySearch(options: options, slo: thresholds) { rate, duration, warmUp in
            let scenario = rate.map { base.atRate($0, duration: duration, warmUp: warmUp, slo: thresholds) }
                ?? base.closedProbe(duration: duration, warmUp: warmUp)
            return try await LoadEngine.run(try LoadPlan(scenario))
        }
        search.stepFinished = { step in say(CapacityText.stepLine(step)) }
        let searching = search
        let (outcome, interrupted) = try await SignalCancellation.run { await searching.run() }
        var capacity = outcome.capacity
        if let targetRate, let rate = capacity.maxSustainableRate {
            capacity.sizing = CapacitySizing.instances(for: targetRate, capacity: rate, headroom: try percent(headroom, option: "--headroom"))
        }
        if var result = outcome.result {
            result.capacity = capacity
            try output.write(result)
        }
        print(CapacityText.summary(capacity))
        if interrupted || outcome.wasInterrupted { throw ExitCode(130) }
        if let error = outcome.error {
            throw RuntimeError((error as? LoadError)?.description ?? "\(error)")
        }
        if let minCapacity, (capacity.maxSustainableRate ?? 0) < minCapacity {
            LoadOutput.writeError("capacity below --min-capacity \(CapacityText.rate(minCapacity)) req/s\n")
            throw ExitCode.thresholdsCrossed
        }
    }

    /// The scenario every step is cut from, and the SLO: --slo, else the scenario's thresholds.
    private func makeScenario() throws -> (Scenario, [Threshold]) {
        do {
            var overrides = ScenarioOverrides()
            try request.fill(&overrides)
            overrides.connections = nil  // not a closed-model level here: the pool, set below
            let slo = try slo.map { try LoadOutcome.parseThreshold($0) }
            var scenario = try request.scenario(overrides)
            // Each step sets its own rate: -c is the pool every workload draws from.
            if let connections = request.connections {
                for index in scenario.workloads.indices { scenario.workloads[index].connections = connections }
            }
            let thresholds = slo.isEmpty ? scenario.thresholds : slo
            guard !thresholds.isEmpty else {
                throw LoadError("no SLO: give --slo 'p99 < 200ms' (repeatable), or thresholds in the scenario file")
            }
            // A plan of the first step catches what the engine would refuse before anything is sent.
            _ = try LoadPlan(scenario.atRate(1, duration: .seconds(1), warmUp: .zero, slo: thresholds))
            return (scenario, thresholds)
        } catch let error as LoadError {
            throw LoadOutcome.usageFailure(error.description)
        } catch let error as ParseError {
            throw LoadOutcome.usageFailure(error.description)
        }
    }

    private func makeOptions() throws -> CapacitySearch.Options {
        var options = CapacitySearch.Options()
        options.start = start
        options.maximum = max
        options.precision = try percent(precision, option: "--precision")
        do {
            options.stepDuration = try Duration(parsing: stepDuration)
            options.stepWarmUp = try Duration(parsing: stepWarmUp)
            options.confirmDuration = try Duration(parsing: confirm)
        } catch {
            throw LoadOutcome.usageFailure("\(error)")
        }
        guard options.stepDuration >= .seconds(1), options.confirmDuration >= .seconds(1) else {
            throw LoadOutcome.usageFailure("--step-duration and --confirm must be at least 1s")
        }
        return options
    }

    private func percent(_ text: String, option: String) throws -> Double {
        do {
            return try Percentage.fraction(parsing: text)
        } catch {
            throw LoadOutcome.usageFailure("\(option): \(error.description)")
        }
    }
}
