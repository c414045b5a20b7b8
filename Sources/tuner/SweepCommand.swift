import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerLoad
import TunerOrchestration
import TunerPostgres
import TunerReport

struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Measure a setting of the service value by value (pool size, flush interval): trade-offs, knee, advice.",
        discussion: """
            For each value of each --param (every combination when there are several) the service is started with \
            NAME=value in its environment and {NAME} replaced in --service, Tuner waits until --ready answers \
            (any HTTP status below 500), measures, and stops it (SIGTERM to its process group, SIGKILL after 10 s; \
            also on Ctrl-C and on failure: no process is left behind). A point whose service exits or never \
            becomes ready is recorded with the tail of its output, and the sweep goes on.

            --measure capacity (default) runs the breaking-point search of 'tuner capacity' at each point, then \
            measures it once more at a common rate (--compare-at, default half the first point's capacity) so that \
            the points' latencies compare at one load; --measure rate=R measures latency at R requests/s for \
            --duration.

            With --db, each point also records what the database did during its load (warm-up included): \
            transactions, rows written, WAL bytes and statements per second, transactions per request, and the \
            client connections open at its end. The end is read after the service stopped, when its backends \
            have published every count.

            The knee is the smallest value within 5% of the best (capacity: the highest maximum sustainable rate; \
            rate: the lowest p95 without errors): more than that buys nothing, and it is the recommendation.

            Example:
              tuner sweep scenarios/shop.yaml --service "demo-shop --port 8080" --ready http://127.0.0.1:8080/health \\
                --param SHOP_POOL_SIZE=2,4,8,16 --slo "p99 < 200ms"

            Exit codes: 0 success, 1 no point could be measured, 64 bad input, 130 interrupted (the points \
            measured so far are printed and written).
            """
    )

    @OptionGroup var request: RequestOptions

    @Option(help: ArgumentHelp("The shell command that starts the service; {NAME} is replaced by the point's value.",
                               valueName: "CMD"))
    var service: String

    @Option(help: ArgumentHelp("A URL that answers once the service is ready.", valueName: "URL"))
    var ready: String

    @Option(help: "How long to wait for --ready (default 60s).")
    var readyTimeout = "60s"

    @Option(help: ArgumentHelp("A setting and its values, NAME=v1,v2,… (repeatable: every combination is measured).",
                               valueName: "NAME=VALUES"))
    var param: [String] = []

    @Option(help: ArgumentHelp("capacity (the breaking-point search) or rate=R (latency at R requests/s).", valueName: "WHAT"))
    var measure = "capacity"

    @Option(help: "rate=R only: the measured window at each point (default 10s).")
    var duration = "10s"

    @Option(help: "rate=R only: uncounted warm-up at each point (default 2s).")
    var warmUp = "2s"

    @OptionGroup var search: CapacityOptions

    @Option(help: ArgumentHelp("Capacity mode: after its search, measure every point at this rate too, to compare latencies at one load (default: half the first point's capacity).",
                               valueName: "RATE"))
    var compareAt: Double?

    @Option(help: ArgumentHelp("The database the service uses: each point then records what it did (transactions, rows written, WAL and statements per second, connections).",
                               valueName: "URL"))
    var db: String?

    @Option(help: "Write the sweep's result (JSON) here ('-' for stdout).")
    var json: String?

    @Flag(help: "No status lines.")
    var quiet = false

    func validate() throws {
        if let compareAt, !(compareAt > 0) { throw ValidationError("--compare-at must be greater than 0") }
        if param.isEmpty { throw ValidationError("give at least one --param NAME=v1,v2,…") }
        guard let url = URL(string: ready), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
            throw ValidationError("--ready must be an http:// URL, e.g. http://127.0.0.1:8080/health")
        }
    }

    func run() async throws {
        let parameters: [SweepWorkflow.Parameter]
        do {
            parameters = try param.map { try SweepWorkflow.Parameter(parsing: $0) }
        } catch {
            throw ToolError.usage("\(error)")
        }
        let (base, thresholds) = try search.scenarioAndSLO(request)
        var workflow = SweepWorkflow(
            scenario: base, slo: thresholds, command: service, readyURL: URL(string: ready)!, parameters: parameters,
            measure: try makeMeasure())
        workflow.readyTimeout = try CapacityOptions.duration(readyTimeout, option: "--ready-timeout")
        workflow.commonRate = compareAt
        if let db {
            do {
                workflow.database = try ConnectionSettings.resolve(option: db)
            } catch {
                throw ToolError.usage("--db: \(error)")
            }
        }
        let quiet = self.quiet
        workflow.say = { line in if !quiet { Console.note(line) } }
        let sweeping = workflow
        // Refused before anything starts: what answers now is not the service, and would be measured as it.
        do {
            try await ServiceProcess.refuseIfAnswering(URL(string: ready)!)
        } catch {
            throw ToolError.runtime(error.description)
        }
        let (result, interrupted) = try await SignalCancellation.run { await sweeping.run() }
        if let json { try JSONOutput.write(result, to: json) }
        print(SweepText.summary(result))
        if interrupted { throw ToolError.interrupted }
        if !result.points.contains(where: { $0.failure == nil }) {
            throw ToolError.runtime("no point could be measured: \(result.points.first?.failure ?? "no points")")
        }
    }

    private func makeMeasure() throws -> SweepWorkflow.Measure {
        if measure == "capacity" { return .capacity(try search.searchOptions()) }
        guard measure.hasPrefix("rate="), let rate = Double(measure.dropFirst("rate=".count)), rate > 0 else {
            throw ToolError.usage("--measure '\(measure)': use capacity or rate=R (e.g. rate=200)")
        }
        return .rate(rate, duration: try CapacityOptions.duration(duration, option: "--duration"),
                     warmUp: try CapacityOptions.duration(warmUp, option: "--warm-up"))
    }
}
