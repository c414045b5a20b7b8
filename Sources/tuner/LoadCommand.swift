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

    @Option(help: ArgumentHelp(
        "A coordinated shard ('tuner k8s run'): build the plan, answer GET /ready on HOST:PORT, start at the time a"
            + " coordinator posts to /start, and print the result on stdout as one 'tuner-result' line.",
        valueName: "host:port"))
    var awaitStart: String?

    @OptionGroup(title: "The service's own CPU and memory") var service: ServiceOptions

    func validate() throws {
        if awaitStart != nil && load.startAt != nil {
            throw ValidationError("--await-start takes the start time from the coordinator: leave out --start-at")
        }
    }

    func run() async throws {
        var plan = try load.makePlan()
        let output = LoadOutput(jsonPath: json, quiet: quiet)
        output.announce(plan)
        if let awaitStart { plan = try await Self.awaitStart(plan, on: awaitStart) }
        var resultLine = awaitStart != nil
        defer { if resultLine { Console.note("no result line: the run did not start") } }
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
            (result, interrupted) = try await SignalCancellation.run { [plan] in
                try await LoadEngine.run(plan, progress: output.progress, checkpoint: output.checkpoint)
            }
        } catch let error as LoadError {
            output.finishProgress()
            await metrics?.stop()
            meter?.cancel()
            if let partial = error.partialResult {
                try output.write(partial)
                if resultLine { try Self.printResultLine(partial) }
            }
            resultLine = false
            throw ToolError.runtime(error.description)
        }
        await meter?.finish(&result)
        output.finishProgress()
        output.publish(result)
        await metrics?.stop()
        try output.write(result)
        if resultLine { try Self.printResultLine(result) }
        resultLine = false
        output.printSummary(result)
        if interrupted { throw ToolError.interrupted }
        if let failure = result.noResponseMessage { throw ToolError.runtime(failure) }
        if !result.thresholdsPassed && !load.isShard { throw ToolError.thresholdsCrossed }
    }

    /// Waits on `listen` for the coordinator's start time; the plan then counts from it.
    private static func awaitStart(_ plan: LoadPlan, on listen: String) async throws -> LoadPlan {
        let server = try await StartSignalServer(listen: listen)
        Console.note("shard \(plan.shard.map(\.description) ?? "-") ready: waiting for the start time on \(server.address)")
        let start: Date
        do {
            (start, _) = try await SignalCancellation.run { try await server.waitForStart() }
        } catch {
            await server.stop()
            throw ToolError.interrupted
        }
        await server.stop()
        Console.note("starting at \(ISO8601DateFormatter().string(from: start)) (in \(Duration.seconds(max(start.timeIntervalSinceNow, 0)).shortDescription))")
        do {
            return try plan.sharded(plan.shard, startAt: start)
        } catch {
            throw ToolError.usage(error.description)
        }
    }

    /// The result as the one line a coordinator reads from this shard's output.
    private static func printResultLine(_ result: LoadResult) throws {
        do {
            Console.output(try ResultFile.encodeLine(result) + "\n")
        } catch {
            throw ToolError.runtime(error.description)
        }
    }
}
