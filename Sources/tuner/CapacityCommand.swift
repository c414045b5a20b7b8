import ArgumentParser
import Foundation
import TunerConsole
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

            Requests arrive at random (Poisson, as independent users do) unless the scenario or --arrivals says \
            otherwise: the rate random users can arrive at, lower than evenly spaced requests would show.

            A step passes only when every SLO holds with 95% confidence (its whole interval within the limit: a \
            p95 needs at least 72 requests, a p99 368), at least 97% of the offered requests completed, nothing \
            was dropped and at most 10% of the sends waited for a connection. A step whose SLO is undecided goes \
            on at its rate up to --max-step, and still undecided counts as not passing. The capacity is reported \
            with the interval it lies in (the highest rate that passed, the lowest that failed). When the load \
            generator itself runs out of CPU the search stops and says so: that limit is never reported as the \
            service's.

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

    @OptionGroup var search: CapacityOptions

    @Option(help: ArgumentHelp("Exit 99 when the capacity found is below this (requests/s).", valueName: "RATE"))
    var minCapacity: Double?

    @Option(help: ArgumentHelp("Say how many instances like this one a target rate needs.", valueName: "RATE"))
    var targetRate: Double?

    @Option(help: ArgumentHelp("Capacity kept free on each instance when sizing for --target-rate.", valueName: "PERCENT"))
    var headroom = "30%"

    @OptionGroup(title: "The service's own CPU and memory, per step") var service: ServiceOptions

    @Option(help: "Write the confirmation window's result with the 'capacity' section here ('-' for stdout).")
    var json: String?

    @Flag(help: "No line per step.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "Serve each step's figures for Prometheus at http://HOST:PORT/metrics while the search runs (as 'tuner load';"
            + " counters start again at each step, tuner_target_rate is the step's offered rate).",
        valueName: "host:port"))
    var metricsListen: String?

    func validate() throws {
        if let minCapacity, !(minCapacity > 0) { throw ValidationError("--min-capacity must be greater than 0") }
        if let targetRate, !(targetRate > 0) { throw ValidationError("--target-rate must be greater than 0") }
    }

    func run() async throws {
        let (base, thresholds) = try search.scenarioAndSLO(request)
        let options = try search.searchOptions()
        let output = LoadOutput(jsonPath: json, quiet: true)
        let say: @Sendable (String) -> Void = { line in if !quiet { Console.note(line) } }
        say("tuner capacity \(base.target) · SLO: \(thresholds.map(\.description).joined(separator: ", "))")
        var metrics: MetricsServer?
        if let metricsListen {
            metrics = try await MetricsServer(listen: metricsListen)
            output.serve(on: metrics!)
        }
        var publish: (@Sendable (LoadResult) -> Void)?
        if metrics != nil { publish = { @Sendable result in output.publish(result) } }
        // The service's meter reads once now: a wrong pid or cgroup fails before the search.
        var observe: (@Sendable () async throws -> @Sendable (inout LoadResult) async -> Void)?
        if let meter = service.meter {
            do {
                try await meter.begin().cancel()
            } catch {
                throw ToolError.runtime(error.description)
            }
            observe = {
                let session = try await meter.begin()
                return { result in await session.finish(&result) }
            }
        }
        var capacitySearch = CapacitySearch(
            options: options, slo: thresholds, scenario: base, progress: output.progress, checkpoint: publish, observe: observe)
        capacitySearch.stepFinished = { step in say(CapacityText.stepLine(step)) }
        let searching = capacitySearch
        let (outcome, interrupted) = try await SignalCancellation.run { await searching.run() }
        await metrics?.stop()
        var capacity = outcome.capacity
        if let targetRate, let rate = capacity.maxSustainableRate {
            capacity.sizing = CapacitySizing.instances(for: targetRate, capacity: rate, headroom: try CapacityOptions.percent(headroom, option: "--headroom"))
        }
        if var result = outcome.result {
            result.capacity = capacity
            try output.write(result)
        }
        print(CapacityText.summary(capacity))
        if interrupted || outcome.wasInterrupted { throw ToolError.interrupted }
        if let error = outcome.error {
            throw ToolError.runtime((error as? LoadError)?.description ?? "\(error)")
        }
        if let minCapacity, (capacity.maxSustainableRate ?? 0) < minCapacity {
            Console.note("capacity below --min-capacity \(CapacityText.rate(minCapacity)) req/s")
            throw ToolError.thresholdsCrossed
        }
    }
}
