import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerLoad
import TunerOrchestration

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load-test a URL or a scenario file.",
        discussion: """
            Closed model (default): --connections N connections each send a request, wait for the response, \
            send the next. Open model: --rate R requests/s start on a fixed schedule whether or not earlier ones \
            finished; latency counts from each request's intended start (coordinated-omission free); a request \
            due while every connection is busy waits (late) until it is sent or its timeout passes (a timeout).

            Examples:
              tuner load http://127.0.0.1:8080/products -c 32 --duration 30s --threshold "p95 < 100ms"
              tuner load http://127.0.0.1:8080/ --rate 500 --duration 1m --json result.json
              tuner load shop.yaml --profile load

            Exit codes: 0 success, 1 the target could not be reached or never answered, 64 bad input, \
            99 a threshold was crossed, 130 interrupted (Ctrl-C stops the run and still prints and writes what was \
            measured).
            """
    )

    @OptionGroup var load: LoadOptions

    @Option(help: "Write the result JSON here ('-' for stdout; the summary then goes to stderr).")
    var json: String?

    @Flag(help: "No progress line.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "Serve the run's figures for Prometheus at http://HOST:PORT/metrics while it runs (requests, errors and"
            + " latency by name, late and dropped sends, target rate, generator CPU), updated every second.",
        valueName: "host:port"))
    var metricsListen: String?

    @OptionGroup(title: "The service's own CPU and memory") var service: ServiceOptions

    func run() async throws {
        let plan = try load.makePlan()
        let output = LoadOutput(jsonPath: json, quiet: quiet)
        output.announce(plan)
        var metrics: MetricsServer?
        if let metricsListen {
            metrics = try await MetricsServer(listen: metricsListen)
            output.serve(on: metrics!)
        }
        // The service's meter reads once now: a wrong pid or cgroup fails before the load.
        let meter: ServiceUsageMeter.Session?
        do {
            meter = try await service.meter?.begin()
        } catch {
            await metrics?.stop()
            throw ToolError.runtime(error.description)
        }
        var result: LoadResult
        let interrupted: Bool
        do {
            (result, interrupted) = try await SignalCancellation.run {
                try await LoadEngine.run(plan, progress: output.progress, checkpoint: output.checkpoint)
            }
        } catch let error as LoadError {
            output.finishProgress()
            await metrics?.stop()
            meter?.cancel()
            if let partial = error.partialResult { try output.write(partial) }
            throw ToolError.runtime(error.description)
        }
        await meter?.finish(&result)
        output.finishProgress()
        output.publish(result)
        await metrics?.stop()
        try output.write(result)
        output.printSummary(result)
        if interrupted { throw ToolError.interrupted }
        if let failure = result.noResponseMessage { throw ToolError.runtime(failure) }
        if !result.thresholdsPassed { throw ToolError.thresholdsCrossed }
    }
}
