import ArgumentParser
import DemoShopData
import EmbeddedPostgres
import Foundation
import Synchronization
import TunerConsole
import TunerCore
import TunerDemo
import TunerReport

/// `tuner demo`: the whole tuning loop on a throwaway cluster and the bundled demo shop.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole tuning loop on a throwaway PostgreSQL and the bundled demo shop.",
        discussion: """
            1. Starts a throwaway PostgreSQL cluster and loads the demo shop's data (--scale).
            2. Starts the demo shop in its naive mode and runs a baseline: scenarios/shop.yaml with the `load` \
            profile at --rate (--duration per step, after --warm-up), watching the database as `tuner run` does, \
            then searches the shop's capacity: the maximum sustainable rate at the scenario's thresholds.
            3. Prints the diagnosis: the run's findings, the index advisor's and `tuner db check`'s.
            4. Changes one thing at a time and measures again after each (the fixed-rate run and the capacity \
            search): the recommended indexes (created by Tuner); the pool size (the knee of a sweep of the \
            shop's pool, beside the wiki formula's value); pgtune's settings for this machine (applied, \
            PostgreSQL restarted); then the shop's tuned mode (the code-level advice).
            5. Sweeps the audit buffer's flush interval (0.5s, 1s, 2s, 5s) on the write path: latency, database \
            writes and how long audit rows wait before they are durable (seed 002's trade-off table).
            6. Measures the tuned shop's cold start with and without its pool pre-warmed (tuner coldstart) and \
            the audit log's batch INSERT speed by batch size (tuner db batch, into a rolled-back copy).
            7. Writes the report with the optimization log, both sweeps and seed 002's tuning guide filled in \
            (--out), and prints a before/after table with the capacity of every step.
            8. Stops the shop and the cluster (also on Ctrl-C), unless --keep.

            At the default scale (about a million order lines) the demo takes about 7½ minutes on 2 cores. \
            It needs the demo-shop executable built next to tuner (swift build does both) or TUNER_DEMO_SHOP.
            """
    )

    @Option(help: "Seed scale: 1 is tiny (20 customers, ~500 order lines), 2000 about a million order lines.")
    var scale = SeedScale.demo.factor

    @Option(help: "Measured length of each step's run (the load profile: ramp up, hold, ramp down).")
    var duration = "20s"

    @Option(help: "Peak requests per second of each step (open model). The default is about what the naive shop can hold at the demo scale on 2 cores; scenarios/shop.yaml's own 100/s overwhelms it.")
    var rate = DemoWorkflow.Options.defaultRate

    @Option(help: "Warm-up before each step's run, excluded from the figures.")
    var warmUp = "5s"

    @Option(help: ArgumentHelp("Directory for the report (report.md, report.html, junit.xml, result.json of the last step, steps/ with every step's result).",
                               valueName: "DIR"))
    var out = "tuner-report"

    @Option(help: "Measured window of each capacity-search step (the confirmation is a third longer).")
    var capacityStep = "3s"

    @Option(help: ArgumentHelp("Never offer more than this in a capacity search (requests/s).", valueName: "RATE"))
    var capacityMax: Double?

    @Flag(help: "Skip the capacity searches (and the pool sweep, which needs them).")
    var noCapacity = false

    @Flag(help: "Skip the sweeps of the pool size (the wiki formula's value is used) and of the flush interval.")
    var noSweeps = false

    @Flag(help: "Leave the cluster and the shop running at the end and print how to reach and stop them.")
    var keep = false

    @Flag(help: "No progress line during the runs.")
    var quiet = false

    func validate() throws {
        guard scale >= 1 else { throw ValidationError("--scale must be at least 1") }
        guard rate > 0 else { throw ValidationError("--rate must be greater than 0") }
        if let capacityMax, !(capacityMax > 0) { throw ValidationError("--capacity-max must be greater than 0") }
        do {
            guard try Duration(parsing: duration) >= .seconds(2) else { throw ValidationError("--duration must be at least 2s") }
            _ = try Duration(parsing: warmUp)
            guard try Duration(parsing: capacityStep) >= .seconds(1) else {
                throw ValidationError("--capacity-step must be at least 1s")
            }
        } catch let error as ParseError {
            throw ValidationError("\(error.description)")
        }
    }

    func run() async throws {
        CleanupRegistry.shared.installSignalHandlers(message: "\ninterrupted — stopping the demo shop and the cluster")
        let output = LoadOutput(jsonPath: nil, quiet: quiet, command: "tuner demo")
        let say: @Sendable (String) -> Void = { line in
            output.finishProgress()
            Console.note(line)
        }
        let measured = Mutex<[OptimizationStep]>([])
        var capacity = DemoWorkflow.Options.defaultCapacity
        capacity.stepDuration = try Duration(parsing: capacityStep)
        capacity.stepWarmUp = capacity.stepDuration / 3
        capacity.confirmDuration = capacity.stepDuration * 4 / 3
        capacity.probeDuration = capacity.stepDuration
        capacity.maximum = capacityMax
        var workflow = DemoWorkflow(options: .init(
            scale: SeedScale(scale), stepDuration: try Duration(parsing: duration), warmUp: try Duration(parsing: warmUp),
            rate: rate, capacity: noCapacity ? nil : capacity, sweeps: !noSweeps, keep: keep))
        workflow.say = say
        workflow.progress = output.progress
        let stepsDirectory = URL(fileURLWithPath: out).appendingPathComponent("steps").path
        workflow.stepFinished = { steps in
            measured.withLock { $0 = steps }
            if let step = steps.last { DemoFiles.saveStep(step, number: steps.count - 1, in: stepsDirectory, say: say) }
            if steps.count == 1, let baseline = steps.first { DemoFiles.diagnosis(baseline.result.findings).forEach(say) }
        }
        let started = ContinuousClock.now
        let outcome: DemoWorkflow.Outcome
        do {
            outcome = try await workflow.run()
        } catch {
            output.finishProgress()
            // Ctrl-C: the handler is stopping the shop and the cluster and will exit 130; what failed meanwhile
            // (a request to the shop it stopped) is its doing, not the demo's error.
            if CleanupRegistry.shared.isInterrupted {
                try? await Task.sleep(for: .seconds(60))
                throw ToolError.interrupted
            }
            let steps = measured.withLock { $0 }
            if !steps.isEmpty {
                Console.write("the demo stopped after \(steps.count) measured step\(steps.count == 1 ? "" : "s"); writing what was measured\n")
                _ = try? ReportOutput.write(PerformanceReport(steps: steps), to: out)
            }
            throw ToolError.runtime(Self.describe(error))
        }
        output.finishProgress()
        var report = PerformanceReport(steps: outcome.steps)
        report.sweeps = outcome.sweeps
        report.coldStart = outcome.coldStart
        report.batch = outcome.batch
        print("")
        print(DemoTable.render(outcome.steps, log: report.log))
        for sweep in outcome.sweeps { print(SweepText.summary(sweep)) }
        if let coldStart = outcome.coldStart { print("\n" + ColdStartText.render(coldStart), terminator: "") }
        if let batch = outcome.batch { print("\n" + BatchText.render(batch), terminator: "") }
        print("")
        let files = try ReportOutput.write(report, to: out)
        for note in outcome.notes { Console.note("note: \(note)") }
        print("The report: \(files.html) (and \(files.markdown))")
        print("The demo took \((ContinuousClock.now - started).shortDescription).")
        if let database = outcome.databaseURL, let shop = outcome.shopURL {
            print("""
                Still running (--keep):
                  PostgreSQL  \(database)
                  demo shop   \(shop)   (metrics: \(shop)/metrics)
                  try: tuner run scenarios/shop.yaml --db \(database) --metrics \(shop)/metrics
                """)
        }
    }

    private static func describe(_ error: any Error) -> String { String(describing: error) }
}
