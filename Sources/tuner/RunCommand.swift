import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerLoad
import TunerOrchestration
import TunerPostgres
import TunerReport

/// `tuner run`: the load while the database is watched, the findings, and the report.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Load test and database observation in one run, then the report.",
        discussion: """
            Snapshots pg_stat_statements, pg_stat_user_tables/indexes, pg_statio and pg_stat_database when the \
            warm-up ends and again after the load, samples pg_stat_activity every second (and, with --metrics, \
            the service's Prometheus endpoint for its pool), and counts only what the load caused. Then it \
            reports the run's findings (top queries, N+1 shapes, sequential scans, unused indexes, cache hit, \
            connection and pool saturation), the indexes the load's queries want (the index advisor) and \
            `tuner db check`'s findings, each with its fix. The database session is read-only.

            Writes result.json, report.md, report.html and junit.xml into --out. With --baseline, the report \
            compares every endpoint and the database figures with an earlier result.

            With --capacity, the load is 'tuner capacity''s breaking-point search (same options: --slo, --start, \
            --max, --precision, --step-duration, --step-warm-up, --confirm) with every step observed, and the \
            report says what saturated at the breaking point: the service's pool, active sessions, lock waits, \
            temp files, and the statement whose database time grew most between the last passing and the first \
            failing step. The result and the findings are those of the confirmation window.

            The service's own side: with --service-pid (a local process and its descendants) or --service-cgroup (a \
            container's cgroup), or a --metrics endpoint with the standard process_cpu_seconds_total and \
            process_resident_memory_bytes, the result has the service's CPU time per request, its cores and resident \
            memory each second, and an energy and CO2 estimate per request (from CPU time alone; --watts-per-core, \
            --grid-intensity). With --pprof URL (Go's net/http/pprof), or --profiler auto|perf|py-spy with \
            --service-pid (Linux perf on its process and threads for C, C++, Rust, Go, Swift; py-spy for Python), a \
            CPU profile of the service is taken during \
            the steady part of the load (from 10% into the measured part, for 80% of it, at most 30 s): the report \
            names the functions with the largest shares of its CPU, draws the flame graph, and names the place to \
            act: the innermost frame of the service's own code (not the runtime, the standard library or a \
            dependency) the most CPU went through. profile.folded (folded stacks) is written beside the report.

            Examples:
              tuner run scenarios/shop.yaml --db postgres://shop@127.0.0.1:5432/shop --metrics http://127.0.0.1:8080/metrics
              tuner run scenarios/shop.yaml --db "$DATABASE_URL" --capacity --slo "p99 < 200ms"
              tuner run scenarios/shop.yaml --db "$DATABASE_URL" --baseline before/result.json --change "CREATE INDEX …"

            Exit codes: 0 success, 1 the database, the metrics or the target could not be reached, 64 bad \
            input, 99 a threshold was crossed (with --capacity: no rate held the SLO), 130 interrupted (what was \
            measured is still written).
            """
    )

    @OptionGroup var load: LoadOptions

    @Option(help: "The database the service uses: a postgres:// URL (default: DATABASE_URL, then the PG* variables).")
    var db: String?

    @Option(help: ArgumentHelp("The service's Prometheus metrics, for its connection pool (in use, idle, waiting).",
                               valueName: "URL"))
    var metrics: String?

    @Option(help: ArgumentHelp("Directory for result.json, report.md, report.html and junit.xml.", valueName: "DIR"))
    var out = "tuner-report"

    @Option(help: ArgumentHelp("An earlier result to compare against (before the change).", valueName: "OLD.json"))
    var baseline: String?

    @Option(help: ArgumentHelp("What changed since --baseline (SQL, a setting); goes into the optimization log.",
                               valueName: "TEXT"))
    var change: String?

    @Flag(help: "Skip tuner db check's findings after the load.")
    var noCheck = false

    @Flag(help: "Skip the index advisor on the load's queries.")
    var noAdvise = false

    @Flag(help: "No progress line.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "Serve the load's figures for Prometheus at http://HOST:PORT/metrics while it runs (as 'tuner load'), and the database's (connections by state, lock waits, the longest statement, transactions), updated every second.",
        valueName: "host:port"))
    var metricsListen: String?

    @Flag(help: "Search the highest rate that holds the SLO (as 'tuner capacity'), observing every step.")
    var capacity = false

    @OptionGroup(title: "Capacity search (with --capacity)") var search: CapacityOptions

    @OptionGroup(title: "The service's own CPU and memory") var service: ServiceOptions

    @Option(help: ArgumentHelp("The service's pprof endpoint (Go's net/http/pprof: http://host:6060 or …/debug/pprof/profile): a CPU profile during the steady part of the load.",
                               valueName: "URL"))
    var pprof: String?

    @Option(help: ArgumentHelp("Profile the service's process (--service-pid) during the steady part of the load: perf (Linux perf on it and its threads, for native code: C, C++, Rust, Go, Swift), py-spy (a Python process; installed from PyPI into ~/.cache/tuner/tools when missing), or auto (py-spy for a Python process, else perf). The report gets a flame graph, the top functions and the place to act in the service's own code; profile.folded is written beside it.",
                               valueName: "auto|perf|py-spy"))
    var profiler: ProfilerKind?

    enum ProfilerKind: String, ExpressibleByArgument, CaseIterable {
        case auto, perf
        case pySpy = "py-spy"
    }

    func validate() throws {
        if capacity && (load.shard != nil || load.startAt != nil) {
            throw ValidationError("--capacity searches on one generator; --shard and --start-at are for 'tuner run' and 'tuner load' runs")
        }
        if change != nil && baseline == nil { throw ValidationError("--change describes a comparison: pass --baseline too") }
        if let metrics {
            guard let url = URL(string: metrics), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ValidationError("--metrics must be an http:// URL, e.g. http://127.0.0.1:8080/metrics")
            }
        }
    }

    func run() async throws {
        let plan = try load.makePlan()
        let database: ConnectionSettings
        do {
            database = try ConnectionSettings.resolve(option: db)
        } catch {
            throw ToolError.usage("--db: \(error)")
        }
        let before: LoadResult?
        do {
            before = try baseline.map { try ResultFile.read($0) }
        } catch {
            throw ToolError.runtime(String(describing: error))
        }
        var workflow = RunWorkflow(plan: plan, database: database, metricsURL: metrics.flatMap(URL.init(string:)))
        workflow.checksDatabase = !noCheck
        workflow.advisesIndexes = !noAdvise
        service.apply(to: &workflow)
        if capacity && (pprof != nil || profiler != nil) {
            throw ToolError.usage("\(pprof != nil ? "--pprof" : "--profiler") profiles a fixed load: it cannot be combined with --capacity")
        }
        if pprof != nil && profiler != nil { throw ToolError.usage("give --pprof or --profiler, not both") }
        if let choice = pprof.map({ ProfilerChoice.pprof(url: $0) }) ?? profiler.flatMap({ ProfilerChoice($0.rawValue) }) {
            if choice.needsProcess && service.servicePid == nil {
                throw ToolError.usage("--profiler \(profiler?.rawValue ?? "") needs the service's process: --service-pid PID")
            }
            do {
                workflow.profile = try choice.profiler(pid: service.servicePid) { Console.note($0) }
            } catch {
                throw ToolError.usage(String(describing: error))
            }
        }
        workflow.say = { Console.note($0) }
        if capacity { return try await runCapacity(workflow, before: before) }
        let output = LoadOutput(jsonPath: nil, quiet: quiet, command: "tuner run")
        output.announce(plan)
        workflow.progress = output.progress
        var metricsServer: MetricsServer?
        if let metricsListen {
            // The load's figures, then the database's of the last second.
            metricsServer = try await MetricsServer(listen: metricsListen)
            output.serve(on: metricsServer!)
            workflow.checkpoint = output.checkpoint
            workflow.databaseSample = { output.serveAlso(DatabaseLiveMetrics.render($0)) }
        }
        let result: LoadResult
        let interrupted: Bool
        do {
            (result, interrupted) = try await SignalCancellation.run { [workflow] in try await workflow.run() }
        } catch let error as LoadError {
            output.finishProgress()
            await metricsServer?.stop()
            if let partial = error.partialResult { try ReportOutput.write(PerformanceReport(result: partial), to: out) }
            throw ToolError.runtime(error.description)
        } catch let error as WorkflowError {
            await metricsServer?.stop()
            throw ToolError.runtime(error.description)
        }
        output.publish(result)
        await metricsServer?.stop()
        output.finishProgress()
        output.printSummary(result)
        if !result.findings.isEmpty {
            let text = FindingsTextRenderer(maximumPerID: 3, omittedHint: "report.md lists them all")
                .render(result.findings, title: "Findings (\(FindingsSummary(result.findings).sentence))")
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
        try ReportOutput.write(PerformanceReport(result: result, baseline: before, change: change), to: out)
        if interrupted { throw ToolError.interrupted }
        if let failure = result.noResponseMessage { throw ToolError.runtime(failure) }
        if !result.thresholdsPassed && !load.isShard { throw ToolError.thresholdsCrossed }
    }

    /// `--capacity`: the search with every step observed; the report is the confirmation window's.
    private func runCapacity(_ workflow: RunWorkflow, before: LoadResult?) async throws {
        let options = try search.searchOptions()
        let slo: [Threshold]
        do {
            let given = try search.slo.map { try Threshold(parsingScoped: $0) }
            slo = given.isEmpty ? workflow.plan.scenario.thresholds : given
        }
        guard !slo.isEmpty else {
            throw ToolError.usage("no SLO: give --slo 'p99 < 200ms' (repeatable), or thresholds in the scenario file")
        }
        let quiet = self.quiet
        let say: @Sendable (String) -> Void = { line in if !quiet { Console.note(line) } }
        say("tuner run --capacity \(workflow.plan.scenario.target) · SLO: \(slo.map(\.description).joined(separator: ", "))")
        let run: RunWorkflow.CapacityRun
        let interrupted: Bool
        do {
            (run, interrupted) = try await SignalCancellation.run {
                try await workflow.runCapacity(options: options, slo: slo) { say(CapacityText.stepLine($0)) }
            }
        } catch let error as WorkflowError {
            throw ToolError.runtime(error.description)
        }
        if let result = run.result {
            try ReportOutput.write(PerformanceReport(result: result, baseline: before, change: change), to: out)
            if !result.findings.isEmpty {
                let text = FindingsTextRenderer(maximumPerID: 3, omittedHint: "report.md lists them all")
                    .render(result.findings, title: "Findings (\(FindingsSummary(result.findings).sentence))")
                FileHandle.standardOutput.write(Data((text + "\n").utf8))
            }
        }
        var capacity = run.outcome.capacity
        capacity.saturation = run.result?.capacity?.saturation ?? capacity.saturation
        print(CapacityText.summary(run.result?.capacity ?? capacity))
        if interrupted || run.outcome.wasInterrupted { throw ToolError.interrupted }
        if let error = run.outcome.error { throw ToolError.runtime((error as? LoadError)?.description ?? "\(error)") }
        if capacity.maxSustainableRate == nil { throw ToolError.thresholdsCrossed }
    }
}
